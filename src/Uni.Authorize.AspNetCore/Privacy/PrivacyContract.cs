namespace Uni.Authorize.AspNetCore;

/// <summary>A WeChat app's privacy contract (隐私保护指引): until the user agrees to it, personal-data scopes fail with
/// <c>errno 104</c>. Declared per app in <see cref="UniAuthorizeHostOptions.PrivacyContracts"/>.</summary>
public sealed class PrivacyContract
{
    /// <summary>The name <c>getPrivacySetting</c> reports, for example 《示例小程序隐私保护指引》.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Where <c>openPrivacyContract</c> shows the contract: a path on the host (the rule of sign-in return URLs:
    /// one leading <c>/</c>, no <c>//</c> or <c>/\</c> start, no backslashes or control characters).</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Whether <paramref name="url"/> is a path on the host, by the same rule as sign-in return URLs.</summary>
    internal static bool IsValidUrl(string url) => LocalUrl.IsLocalPath(url);
}
