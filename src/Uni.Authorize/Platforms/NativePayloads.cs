using System.Collections.Frozen;

namespace Uni.Authorize;

/// <summary>Builds each platform's own success and failure payloads. Values chosen where a platform documents
/// none are listed in docs/platforms.md.</summary>
internal static class NativePayloads
{
    public static readonly IReadOnlyDictionary<string, object?> Empty = FrozenDictionary<string, object?>.Empty;
    public static readonly IReadOnlyDictionary<string, int> NoErrorScopes = FrozenDictionary<string, int>.Empty;

    public static AuthorizeResult Success(Platform platform, string api, IReadOnlyList<ResolvedScope> granted, string? authCode, IReadOnlyDictionary<string, int> authErrorScopes)
    {
        var errMsg = api + ":ok";
        string[] canonical = [.. granted.Select(s => s.Scope.Name)];
        string[] nativeNames = [.. granted.Select(s => s.Rule.NativeName)];
        IReadOnlyDictionary<string, object?> native = platform switch
        {
            Platform.Alipay => Alipay(authCode, nativeNames, authErrorScopes),
            Platform.ByteDance => Payload(("errMsg", errMsg), ("data", nativeNames.ToFrozenDictionary(n => n, _ => (object?)"ok", StringComparer.Ordinal))),
            Platform.Kuaishou => Empty,
            // WeChat's getPhoneNumber hands its code as e.detail.code.
            Platform.WeChat when authCode is not null => Payload(("errMsg", errMsg), ("code", authCode)),
            _ => Payload(("errMsg", errMsg)),
        };
        return new AuthorizeResult(platform, errMsg, canonical, authCode, platform == Platform.Alipay ? nativeNames : [], authErrorScopes, native);
    }

    public static AuthorizeError Failure(
        Platform platform,
        string api,
        AuthorizeErrorCode code,
        string message,
        IReadOnlyDictionary<string, int>? authErrorScopes = null,
        string? scopeInput = null,
        (int Error, string Message)? alipayError = null)
    {
        authErrorScopes ??= NoErrorScopes;
        if (platform == Platform.Web)
        {
            const string WebMessage = "authorize web not supported";
            return new AuthorizeError(code, message, platform, WebMessage, authErrorScopes, Payload(("errMsg", WebMessage)));
        }

        if (platform == Platform.Alipay)
        {
            var (error, errorMessage) = alipayError ?? AlipayError(code);
            var alipay = authErrorScopes.Count == 0
                ? Payload(("error", error), ("errorMessage", errorMessage))
                : Payload(("error", error), ("errorMessage", errorMessage), ("authErrorScopes", authErrorScopes));
            return new AuthorizeError(code, message, platform, errorMessage, authErrorScopes, alipay);
        }

        var errMsg = FailMessage(platform, api, code, scopeInput);
        IReadOnlyDictionary<string, object?> native = platform switch
        {
            Platform.ByteDance => Payload(("errMsg", errMsg), ("errNo", ByteDanceErrNo(code))),
            Platform.Baidu => Payload(("errCode", BaiduErrCode(code)), ("errMsg", errMsg)),
            Platform.WeChat when code == AuthorizeErrorCode.PrivacyNotAuthorized => Payload(("errno", 104), ("errMsg", errMsg)),
            _ => Payload(("errMsg", errMsg)),
        };
        return new AuthorizeError(code, message, platform, errMsg, authErrorScopes, native);
    }

    /// <summary>Alipay's <c>error</c> and <c>errorMessage</c>: 11 refused, 3 closed or no result, 2 bad parameter, 4 no
    /// permission. Refusals of device permissions have their own codes (<see cref="AlipayRefusal"/>).</summary>
    public static (int Error, string Message) AlipayError(AuthorizeErrorCode code) => code switch
    {
        AuthorizeErrorCode.Denied or AuthorizeErrorCode.SettingsOnly => (11, "用户取消授权"),
        AuthorizeErrorCode.Dismissed or AuthorizeErrorCode.Canceled => (3, "用户关闭授权弹窗"),
        AuthorizeErrorCode.InvalidScope or AuthorizeErrorCode.InvalidRequest => (2, "参数错误"),
        AuthorizeErrorCode.UnsupportedScope or AuthorizeErrorCode.NotSupportedByPlugin or AuthorizeErrorCode.PrivacyNotAuthorized
            or AuthorizeErrorCode.Undeclared => (4, "无权限调用"),
        _ => (3, "未获取到授权结果"),
    };

    /// <summary>Alipay's refusal codes (my.getSetting reference): a device permission refused now is 2001, refused with
    /// "don't ask again" 2003, refused before (kept) 2002; a <c>getAuthCode</c> scope is 11 ("call again to ask again").</summary>
    public static (int Error, string Message) AlipayRefusal(ResolvedScope scope, Refusal refusal) =>
        !ResolvedScope.IsDevicePermission(scope.Rule) ? (11, "用户取消授权") : refusal switch
        {
            Refusal.Now => (2001, "用户拒绝授权"),
            Refusal.NowKept => (2003, "用户拒绝授权，且选择不再询问"),
            _ => (2002, "用户已拒绝授权，且选择不再询问"),
        };

    private static string FailMessage(Platform platform, string api, AuthorizeErrorCode code, string? scopeInput) => code switch
    {
        AuthorizeErrorCode.InvalidScope or AuthorizeErrorCode.UnsupportedScope when platform == Platform.Kuaishou => "invalid scope",
        AuthorizeErrorCode.Denied or AuthorizeErrorCode.SettingsOnly => api + ":fail auth deny",
        AuthorizeErrorCode.Dismissed => api + ":fail auth cancel",
        AuthorizeErrorCode.InvalidScope or AuthorizeErrorCode.UnsupportedScope => api + ":fail invalid scope",
        AuthorizeErrorCode.PromptTimedOut => api + ":fail timeout",
        AuthorizeErrorCode.Canceled => api + ":fail cancel",
        AuthorizeErrorCode.InvalidRequest => api + ":fail invalid param",
        AuthorizeErrorCode.PrivacyNotAuthorized => api + ":fail privacy permission is not authorized",
        AuthorizeErrorCode.NotSupportedByPlugin => $"{api}:fail scope \"{scopeInput}\" is not supported to be authorized by plugin",
        // Kuaishou's own wording for a permission the app's config does not declare.
        AuthorizeErrorCode.Undeclared when platform == Platform.Kuaishou => api + ":fail 小程序未在 AppConfig 中注册该权限",
        // WeChat's two wordings: an API missing from requiredPrivateInfos (no scope named), a scope without permission desc.
        AuthorizeErrorCode.Undeclared when scopeInput is null => api + ":fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json",
        AuthorizeErrorCode.Undeclared => api + ":fail require permission desc",
        _ => api + ":fail system error",
    };

    private static string ByteDanceErrNo(AuthorizeErrorCode code) => code switch
    {
        AuthorizeErrorCode.Denied or AuthorizeErrorCode.SettingsOnly => "10200",
        AuthorizeErrorCode.Dismissed => "10201",
        AuthorizeErrorCode.InvalidScope or AuthorizeErrorCode.UnsupportedScope or AuthorizeErrorCode.InvalidRequest => "10202",
        AuthorizeErrorCode.PromptTimedOut => "10203",
        AuthorizeErrorCode.Canceled => "10205",
        AuthorizeErrorCode.Undeclared => "10206",
        _ => "10204",
    };

    private static int BaiduErrCode(AuthorizeErrorCode code) => code switch
    {
        AuthorizeErrorCode.Denied or AuthorizeErrorCode.SettingsOnly => 10003,
        AuthorizeErrorCode.Dismissed => 10004,
        AuthorizeErrorCode.InvalidScope or AuthorizeErrorCode.UnsupportedScope or AuthorizeErrorCode.InvalidRequest => 10005,
        AuthorizeErrorCode.PromptTimedOut => 10006,
        AuthorizeErrorCode.Canceled => 10007,
        AuthorizeErrorCode.Undeclared => 10008,
        _ => 10001,
    };

    private static FrozenDictionary<string, object?> Alipay(string? authCode, string[] successScopes, IReadOnlyDictionary<string, int> errorScopes) =>
        authCode is null
            ? Payload(("authSuccessScopes", successScopes), ("authErrorScopes", errorScopes))
            : Payload(("authCode", authCode), ("authSuccessScopes", successScopes), ("authErrorScopes", errorScopes));

    public static FrozenDictionary<string, object?> Payload(params (string Key, object? Value)[] fields) =>
        fields.ToFrozenDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
}
