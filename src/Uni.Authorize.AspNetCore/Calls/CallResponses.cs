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
