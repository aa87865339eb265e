namespace Uni.Authorize;

/// <summary>Why an authorize call failed, the same on every platform. The native payload says it the platform's way.</summary>
public enum AuthorizeErrorCode
{
    /// <summary>The scope is missing, blank, too long, has control characters, or is not a scope at all.</summary>
    InvalidScope = 1,

    /// <summary>The scope exists but the configured platform does not support it.</summary>
    UnsupportedScope = 2,

    /// <summary>The platform (the web) has no <c>authorize</c>.</summary>
    PlatformNotSupported = 3,

    /// <summary>The user refused, now or before.</summary>
    Denied = 4,

    /// <summary>The user closed the dialog without choosing; the scope stays undetermined.</summary>
    Dismissed = 5,

    /// <summary>The platform never asks for this scope in a dialog; the user enables it in settings.</summary>
    SettingsOnly = 6,

    /// <summary>The user did not answer within the prompt timeout; nothing was granted.</summary>
    PromptTimedOut = 7,

    /// <summary>The prompter failed; nothing was granted.</summary>
    PromptFailed = 8,

    /// <summary>The decision store could not answer; nothing was granted and no dialog was shown over an unknown state.</summary>
    StoreUnavailable = 9,

    /// <summary>The caller cancelled the call (callback form only; awaitable forms throw <see cref="OperationCanceledException"/>).</summary>
    Canceled = 10,

    /// <summary>The request is malformed: an invalid subject, several scopes where the platform takes one, or an unknown API.</summary>
    InvalidRequest = 11,

    /// <summary>The user has not agreed to the app's privacy contract (WeChat <c>errno 104</c>).</summary>
    PrivacyNotAuthorized = 12,

    /// <summary>A plugin asked for a scope plugins may not ask for (WeChat <c>authorizeForMiniProgram</c>).</summary>
    NotSupportedByPlugin = 13,

    /// <summary>The app's manifest does not declare the scope (<c>permission</c>) or the API (WeChat's <c>requiredPrivateInfos</c>).</summary>
    Undeclared = 14,
}
