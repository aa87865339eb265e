using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

/// <summary>Turns engine outcomes into <see cref="CallResponse"/> JSON. The engine hands out one shared outcome per
/// decided scope, so the bytes of those answers are built once and reused.</summary>
internal static class CallResponses
{
    private static readonly ConditionalWeakTable<object, byte[]> Encoded = [];

    public static CallResponse From(AuthorizeOutcome outcome, Platform platform)
    {
        if (outcome.Result is { } result)
        {
            return new CallResponse("ok", PlatformNames.Of(platform))
            {
                ErrMsg = result.ErrMsg,
                Scopes = result.Scopes,
                AuthCode = result.AuthCode,
                Native = result.Native,
            };
        }

        var error = outcome.Error!;
        return new CallResponse("fail", PlatformNames.Of(platform))
        {
            ErrMsg = error.ErrMsg,
            Error = new CallError(error.CodeName, error.Message),
            Native = error.Native,
        };
    }

    /// <summary>A call refused because too many calls wait already, as the platform's own failure of the API asked
    /// (its "system" failure: Alipay <c>error 3</c>, ByteDance <c>errNo 10204</c>, Baidu <c>errCode 10001</c>), so
    /// that the mini-app's fail callback gets what the platform would give it.</summary>
    public static CallResponse TooManyPending(Platform platform, CallRequest request, string message)
    {
        var api = request.Kind switch
        {
            CallRequest.ApiKind => request.Api ?? "authorize",
            CallRequest.PluginKind => "authorizeForMiniProgram",
            CallRequest.PrivacyKind => "requirePrivacyAuthorize",
            _ => "authorize",
        };
        var errMsg = platform == Platform.Alipay ? "未获取到授权结果" : api + ":fail system busy";
        IReadOnlyDictionary<string, object?> native = platform switch
        {
            Platform.Alipay => new Dictionary<string, object?> { ["error"] = 3, ["errorMessage"] = errMsg },
            Platform.ByteDance => new Dictionary<string, object?> { ["errMsg"] = errMsg, ["errNo"] = "10204" },
            Platform.Baidu => new Dictionary<string, object?> { ["errCode"] = 10001, ["errMsg"] = errMsg },
            _ => new Dictionary<string, object?> { ["errMsg"] = errMsg },
        };
        return new CallResponse("fail", PlatformNames.Of(platform))
        {
            ErrMsg = errMsg,
            Error = new CallError("too_many_pending", message),
            Native = native,
        };
    }

    /// <summary>The finished outcome as a 200 answer (a refusal is an answer, not an HTTP error).</summary>
    public static IResult Finished(AuthorizeOutcome outcome, Platform platform)
    {
        object key = (object?)outcome.Result ?? outcome.Error!;
        if (outcome.Result is { AuthCode: not null })
        {
            // Codes are single-use and never shared: no caching.
            return TypedResults.Json(From(outcome, platform), HostJson.Default.CallResponse);
        }

        var bytes = Encoded.GetValue(key, _ => JsonSerializer.SerializeToUtf8Bytes(From(outcome, platform), HostJson.Default.CallResponse));
        return TypedResults.Bytes(bytes, "application/json; charset=utf-8");
    }
}
