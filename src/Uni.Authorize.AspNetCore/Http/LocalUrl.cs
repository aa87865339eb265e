namespace Uni.Authorize.AspNetCore;

/// <summary>The one rule for a URL that must stay on this host: sign-in return URLs, the sign-in page and privacy
/// contracts all use it, so a value refused for one is refused for all.</summary>
internal static class LocalUrl
{
    public const int MaxLength = 2048;

    /// <summary>What <see cref="IsLocalPath"/> accepts, for error messages.</summary>
    public const string Rule = "a path on this host: one leading '/', not '//' or '/\\', no backslashes or control characters, at most 2048 characters";

    /// <summary>Whether <paramref name="url"/> is a path on this host that no browser reads as another host.</summary>
    public static bool IsLocalPath(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaxLength || url[0] != '/')
        {
            return false;
        }

        // "//host" and "/\host" are other hosts to a browser, which also drops tabs and newlines ("/\t/host" is "//host"):
        // control characters and backslashes have no place in a path here.
        if (url.Length > 1 && (url[1] == '/' || url[1] == '\\'))
        {
            return false;
        }

        foreach (var c in url)
        {
            if (char.IsControl(c) || c == '\\')
            {
                return false;
            }
        }

        return true;
    }
}
