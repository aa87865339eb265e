namespace Uni.Authorize.AspNetCore;

/// <summary>A WeChat app's privacy contract (隐私保护指引): until the user agrees to it, personal-data scopes fail with
/// <c>errno 104</c>. Declared per app in <see cref="UniAuthorizeHostOptions.PrivacyContracts"/>.</summary>
public sealed class PrivacyContract
{
    /// <summary>The name <c>getPrivacySetting</c> reports, for example 《示例小程序隐私保护指引》.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Where <c>openPrivacyContract</c> shows the contract: an absolute URL or a path on the host.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Whether <paramref name="url"/> is a path on the host (one leading <c>/</c>) or an absolute http(s) URL.</summary>
    internal static bool IsValidUrl(string url) =>
        (url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal))
        || (Uri.TryCreate(url, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttps || parsed.Scheme == Uri.UriSchemeHttp));
}
