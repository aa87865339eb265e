using System.Text.Json;

namespace Uni.Authorize.Client;

/// <summary>The host's answer to an authorize or API-gate call, as the core's <c>AuthorizeOutcome</c> carries it.</summary>
public sealed class AuthorizeReply
{
    internal AuthorizeReply(bool succeeded, string platform, string? errMsg, IReadOnlyList<string> scopes, string? authCode, string? errorCode, string? errorMessage, JsonElement native)
    {
        Succeeded = succeeded;
        Platform = platform;
        ErrMsg = errMsg;
        Scopes = scopes;
        AuthCode = authCode;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        Native = native;
    }

    /// <summary>Whether the scope was granted.</summary>
    public bool Succeeded { get; }

    /// <summary>The app's platform: <c>wechat</c>, <c>alipay</c>, <c>bytedance</c>, <c>baidu</c> or <c>kuaishou</c>.</summary>
    public string Platform { get; }

    /// <summary>The platform's message (<c>authorize:ok</c>, <c>authorize:fail auth deny</c>).</summary>
    public string? ErrMsg { get; }

    /// <summary>The canonical names of the granted scopes.</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <summary>Alipay: the auth code for the app's server.</summary>
    public string? AuthCode { get; }

    /// <summary>On failure, the stable error code (<c>denied</c>, <c>dismissed</c>, <c>prompt_timed_out</c>, ...).</summary>
    public string? ErrorCode { get; }

    /// <summary>On failure, an explanation for developers.</summary>
    public string? ErrorMessage { get; }

    /// <summary>The platform's own payload, field by field, as the native success or fail callback receives it.</summary>
    public JsonElement Native { get; }
}

/// <summary>The decided scopes as the platform shows them (<c>getSetting</c>, <c>openSetting</c>).</summary>
public sealed class SettingReply
{
    internal SettingReply(string platform, IReadOnlyDictionary<string, bool> authSetting, JsonElement native, string? settingsUrl)
    {
        Platform = platform;
        AuthSetting = authSetting;
        Native = native;
        SettingsUrl = settingsUrl;
    }

    /// <summary>The app's platform.</summary>
    public string Platform { get; }

    /// <summary>Decided scopes by the platform's key: <see langword="true"/> granted, <see langword="false"/> denied.</summary>
    public IReadOnlyDictionary<string, bool> AuthSetting { get; }

    /// <summary>The platform's own payload.</summary>
    public JsonElement Native { get; }

    /// <summary><c>openSetting</c>: the page (relative to the host) where the user changes the switches; a change takes
    /// effect for the next call.</summary>
    public string? SettingsUrl { get; }
}

/// <summary>The rejection of <see cref="UniAuthorizeClient.AuthorizeAsync(string, CancellationToken)"/>: carries the failed reply.</summary>
public sealed class AuthorizeRejectedException : UniAuthorizeException
{
    /// <summary>Wraps a failed reply.</summary>
    public AuthorizeRejectedException(AuthorizeReply reply)
        : base((reply ?? throw new ArgumentNullException(nameof(reply))).ErrorCode ?? "failed", $"{reply.ErrorCode}: {reply.ErrorMessage} ({reply.ErrMsg})") => Reply = reply;

    /// <summary>The failed reply.</summary>
    public AuthorizeReply Reply { get; }

    /// <summary><c>Reply.Native</c>: the platform's fail payload.</summary>
    public override JsonElement? NativeJson => Reply.Native;
}

/// <summary>The host refused the request itself (RFC 7807 problem details): bad input, an invalid session, a limit.</summary>
public sealed class UniAuthorizeProblemException : UniAuthorizeException
{
    /// <summary>Creates the exception from the problem's fields.</summary>
    public UniAuthorizeProblemException(int status, string code, string? detail)
        : base(code, $"{status} {code}: {detail}")
    {
        Status = status;
        Code = code;
        Detail = detail;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The problem's stable <c>code</c> (<c>session_invalid</c>, <c>invalid_scope</c>, ...); the same as <see cref="UniAuthorizeException.ErrorCode"/>.</summary>
    public string Code { get; }

    /// <summary>What was wrong.</summary>
    public string? Detail { get; }
}
