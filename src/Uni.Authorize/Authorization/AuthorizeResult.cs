using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Uni.Authorize;

/// <summary>A successful authorize call: what was granted, and the platform's own payload.</summary>
public sealed class AuthorizeResult
{
    internal AuthorizeResult(
        Platform platform,
        string errMsg,
        IReadOnlyList<string> scopes,
        string? authCode,
        IReadOnlyList<string> authSuccessScopes,
        IReadOnlyDictionary<string, int> authErrorScopes,
        IReadOnlyDictionary<string, object?> native)
    {
        Platform = platform;
        ErrMsg = errMsg;
        Scopes = scopes;
        AuthCode = authCode;
        AuthSuccessScopes = authSuccessScopes;
        AuthErrorScopes = authErrorScopes;
        Native = native;
    }

    /// <summary>The platform whose rules applied.</summary>
    public Platform Platform { get; }

    /// <summary>The platform's success message (<c>authorize:ok</c>, <c>getLocation:ok</c>).</summary>
    public string ErrMsg { get; }

    /// <summary>The canonical names of the granted scopes.</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <summary>Alipay: the auth code for the app's server, when a granted scope yields one.</summary>
    public string? AuthCode { get; }

    /// <summary>Alipay: the granted scopes, in Alipay's names.</summary>
    public IReadOnlyList<string> AuthSuccessScopes { get; }

    /// <summary>Alipay: the scopes that failed, in Alipay's names, with Alipay's error code.</summary>
    public IReadOnlyDictionary<string, int> AuthErrorScopes { get; }

    /// <summary>The payload the platform's own call gives its success callback, field by field
    /// (values are strings, numbers, string lists or nested dictionaries; Kuaishou's is empty).</summary>
    public IReadOnlyDictionary<string, object?> Native { get; }

    /// <summary><see cref="Native"/> as the platform's JSON, the shape the HTTP API sends: compare two with
    /// <see cref="JsonElement.DeepEquals"/>. Built on first use, then kept.</summary>
    public JsonElement NativeJson => (_nativeJson ??= new(Uni.Authorize.NativeJson.ToElement(Native))).Value;

    // A reference, so that a racing first use publishes a whole element; nothing is built on the authorize path.
    private StrongBox<JsonElement>? _nativeJson;
}

/// <summary>A failed authorize call: a stable code, a clear message, and the platform's own payload.</summary>
public sealed class AuthorizeError
{
    internal AuthorizeError(
        AuthorizeErrorCode code,
        string message,
        Platform platform,
        string errMsg,
        IReadOnlyDictionary<string, int> authErrorScopes,
        IReadOnlyDictionary<string, object?> native)
    {
        Code = code;
        Message = message;
        Platform = platform;
        ErrMsg = errMsg;
        AuthErrorScopes = authErrorScopes;
        Native = native;
    }

    /// <summary>Why the call failed, the same on every platform.</summary>
    public AuthorizeErrorCode Code { get; }

    /// <summary>An explanation for developers, in English.</summary>
    public string Message { get; }

    /// <summary>The platform whose rules applied.</summary>
    public Platform Platform { get; }

    /// <summary>The platform's failure message (<c>authorize:fail auth deny</c>; Alipay's <c>errorMessage</c>).</summary>
    public string ErrMsg { get; }

    /// <summary>Alipay: the scopes that failed, in Alipay's names, with Alipay's error code.</summary>
    public IReadOnlyDictionary<string, int> AuthErrorScopes { get; }

    /// <summary>The payload the platform's own call gives its fail callback, field by field.</summary>
    public IReadOnlyDictionary<string, object?> Native { get; }

    /// <summary><see cref="Native"/> as the platform's JSON, the shape the HTTP API sends: compare two with
    /// <see cref="JsonElement.DeepEquals"/>. Built on first use, then kept.</summary>
    public JsonElement NativeJson => (_nativeJson ??= new(Uni.Authorize.NativeJson.ToElement(Native))).Value;

    /// <summary><see cref="Code"/> as the HTTP API and the client name it: <c>denied</c>, <c>prompt_timed_out</c>, ...</summary>
    public string CodeName => Code switch
    {
        AuthorizeErrorCode.InvalidScope => "invalid_scope",
        AuthorizeErrorCode.UnsupportedScope => "unsupported_scope",
        AuthorizeErrorCode.PlatformNotSupported => "platform_not_supported",
        AuthorizeErrorCode.Denied => "denied",
        AuthorizeErrorCode.Dismissed => "dismissed",
        AuthorizeErrorCode.SettingsOnly => "settings_only",
        AuthorizeErrorCode.PromptTimedOut => "prompt_timed_out",
        AuthorizeErrorCode.PromptFailed => "prompt_failed",
        AuthorizeErrorCode.StoreUnavailable => "store_unavailable",
        AuthorizeErrorCode.Canceled => "canceled",
        AuthorizeErrorCode.InvalidRequest => "invalid_request",
        AuthorizeErrorCode.PrivacyNotAuthorized => "privacy_not_authorized",
        AuthorizeErrorCode.NotSupportedByPlugin => "not_supported_by_plugin",
        _ => "failed",
    };

    private StrongBox<JsonElement>? _nativeJson;

    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Message} ({ErrMsg})";
}

/// <summary>Either a <see cref="AuthorizeResult"/> or an <see cref="AuthorizeError"/>: what <c>complete</c> receives.</summary>
public readonly struct AuthorizeOutcome
{
    /// <summary>A success.</summary>
    public AuthorizeOutcome(AuthorizeResult result) => Result = result ?? throw new ArgumentNullException(nameof(result));

    /// <summary>A failure.</summary>
    public AuthorizeOutcome(AuthorizeError error) => Error = error ?? throw new ArgumentNullException(nameof(error));

    /// <summary>The success payload, when <see cref="Succeeded"/>.</summary>
    public AuthorizeResult? Result { get; }

    /// <summary>The failure, when not <see cref="Succeeded"/>.</summary>
    public AuthorizeError? Error { get; }

    /// <summary>Whether the call succeeded.</summary>
    public bool Succeeded => Result is not null;

    /// <summary>The native payload of whichever side happened.</summary>
    public IReadOnlyDictionary<string, object?> Native => Result?.Native ?? Error?.Native ?? NativePayloads.Empty;

    /// <summary>The success payload, or throws <see cref="AuthorizeException"/> with the error.</summary>
    public AuthorizeResult GetResultOrThrow() => Result ?? throw new AuthorizeException(Error!);
}

/// <summary>The rejection of the awaitable form: carries the same <see cref="AuthorizeError"/> that <c>fail</c> receives.</summary>
public sealed class AuthorizeException : UniAuthorizeException
{
    /// <summary>Wraps <paramref name="error"/>.</summary>
    public AuthorizeException(AuthorizeError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).CodeName, error.ToString()) => Error = error;

    /// <summary>The failure, as <c>fail</c> would receive it.</summary>
    public AuthorizeError Error { get; }

    /// <summary>Shortcut for <c>Error.Code</c>.</summary>
    public AuthorizeErrorCode Code => Error.Code;

    /// <summary><c>Error.NativeJson</c>: the platform's fail payload.</summary>
    public override JsonElement? NativeJson => Error.NativeJson;
}
