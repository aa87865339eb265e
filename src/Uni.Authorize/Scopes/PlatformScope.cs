namespace Uni.Authorize;

/// <summary>How a platform asks for a scope.</summary>
public enum ScopePromptMode
{
    /// <summary>An undetermined scope shows the consent dialog.</summary>
    Dialog = 0,

    /// <summary>No dialog and no stored decision: the call always succeeds (Alipay's <c>auth_base</c>).</summary>
    Silent = 1,

    /// <summary>Never asked in a dialog: the user can only enable it in settings (WeChat's background location).</summary>
    SettingsOnly = 2,

    /// <summary>Asked at every call and never kept: neither an allow nor a refusal is stored, so the next call asks again
    /// (WeChat's <c>getPhoneNumber</c>). Only the scope's API takes it; <c>authorize</c> refuses it as an invalid scope.</summary>
    EveryCall = 3,
}

/// <summary>One platform's rules for one scope.</summary>
/// <param name="Platform">The platform.</param>
/// <param name="NativeName">The platform's own name for the scope, accepted as input and used in payloads.</param>
/// <param name="PromptMode">How the platform asks.</param>
/// <param name="SettingKey">The key in the platform's <c>authSetting</c>, or <see langword="null"/> when settings never show it.</param>
/// <param name="IssuesAuthCode">Whether a grant yields an auth code (Alipay's <c>getAuthCode</c> scopes).</param>
public sealed record PlatformScope(
    Platform Platform,
    string NativeName,
    ScopePromptMode PromptMode,
    string? SettingKey,
    bool IssuesAuthCode)
{
    /// <summary>Whether a plugin may ask for the scope (WeChat <c>authorizeForMiniProgram</c>).</summary>
    public bool PluginMayAsk { get; init; }

    /// <summary>Whether the user must first agree to the app's privacy contract, when the app declares one (WeChat).</summary>
    public bool NeedsPrivacyAgreement { get; init; }
}
