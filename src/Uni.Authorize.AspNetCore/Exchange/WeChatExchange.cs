using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// WeChat's server API under <c>/wechat</c>, on WeChat's own paths, so that a WeChat SDK works with only its base URL
/// changed: <c>sns/jscode2session</c> (GET with query parameters, as WeChat, or POST), <c>cgi-bin/token</c> and
/// <c>wxa/business/getuserphonenumber</c>. Every answer is HTTP 200 with WeChat's <c>errcode</c>/<c>errmsg</c>, as
/// WeChat answers, so clients that throw on 4xx read the code. The secret and the access token travel in the query
/// string as WeChat designed it; the host never writes a request's query to its logs.
/// </summary>
internal static class WeChatExchange
{
    /// <summary>How long an access token of <c>cgi-bin/token</c> lasts: WeChat's 7,200 seconds.</summary>
    public const int AccessTokenSeconds = 7200;

    private const string TokenPurpose = "Uni.Authorize.WeChat.AccessToken.v1";
    private const int MaxTokenLength = 512;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapMethods("/wechat/sns/jscode2session", [HttpMethods.Get, HttpMethods.Post], JsCode2SessionAsync).Produces<WeChatSessionResponse>();
        // The path before WeChat's own, kept as an alias.
        routes.MapPost("/wechat/jscode2session", JsCode2SessionAsync).Accepts<IFormCollection>("application/x-www-form-urlencoded").Produces<WeChatSessionResponse>();
        routes.MapGet("/wechat/cgi-bin/token", AccessTokenAsync).Produces<WeChatTokenResponse>();
        routes.MapPost("/wechat/wxa/business/getuserphonenumber", PhoneNumberAsync).Accepts<WeChatPhoneBody>("application/json").Produces<WeChatPhoneResponse>();
    }

    private static Task<IResult> JsCode2SessionAsync(HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms,
        IOptions<UniAuthorizeExchangeOptions> options) =>
        GuardAsync(context, async () =>
        {
            if (options.Value.RefuseSecretInQuery && ExchangeEndpoints.SecretInQuery(context))
            {
                return Error(40097,
                    "invalid args: this host refuses the secret in the query string; send appid, secret, js_code and grant_type as an application/x-www-form-urlencoded body, and change the secret if the URL may have been logged");
            }

            var fields = await FieldsAsync(context).ConfigureAwait(false);
            if (!ExchangeEndpoints.OwnBudget(context, fields is null ? null : ExchangeEndpoints.Single(fields, "appid")))
            {
                return OverLimit();
            }

            if (fields is null)
            {
                return Error(40097, "invalid args: send appid, secret, js_code and grant_type as query parameters or an application/x-www-form-urlencoded body");
            }

            if (Missing(fields, ("appid", 41002, "appid missing"), ("secret", 41004, "appsecret missing"), ("js_code", 41008, "missing code")) is { } missing)
            {
                return missing;
            }

            if (!string.Equals(ExchangeEndpoints.Single(fields, "grant_type"), "authorization_code", StringComparison.Ordinal))
            {
                return Error(40002, "invalid grant_type: grant_type must be authorization_code");
            }

            var (app, refused) = await AuthenticateAsync(identities, fields, 40125, "invalid appsecret", context.RequestAborted).ConfigureAwait(false);
            if (app is null)
            {
                return refused!;
            }

            var redemption = await authCodes.RedeemAuthCodeAsync(app.Id, ExchangeEndpoints.Single(fields, "js_code"), context.RequestAborted).ConfigureAwait(false);
            switch (redemption.Status)
            {
                // A getPhoneNumber code is no login code: refused like an unknown one, and used up.
                case AuthCodeRedemptionStatus.Redeemed when !IsPhoneCode(redemption.Code!):
                    var userId = redemption.Code!.Subject.UserId;
                    return TypedResults.Json(new WeChatSessionResponse
                    {
                        OpenId = await pseudonyms.OpenIdAsync(app.Id, userId, context.RequestAborted).ConfigureAwait(false),
                        UnionId = await pseudonyms.UnionIdAsync(userId, context.RequestAborted).ConfigureAwait(false),
                        SessionKey = await SecretBound.NewSessionKeyAsync(identities.Store, app, userId, context.RequestAborted).ConfigureAwait(false),
                    }, HostJson.Default.WeChatSessionResponse);
                case AuthCodeRedemptionStatus.AlreadyUsed:
                    return Error(40163, "code been used");
                default:
                    // Expired, unknown and another app's codes look alike: nothing about other apps leaks.
                    return Error(40029, "invalid code");
            }
        });

    private static Task<IResult> AccessTokenAsync(HttpContext context, HostIdentities identities, IDataProtectionProvider protection, TimeProvider time,
        IOptions<UniAuthorizeExchangeOptions> options) =>
        GuardAsync(context, async () =>
        {
            if (options.Value.RefuseSecretInQuery && ExchangeEndpoints.SecretInQuery(context))
            {
                return Error(40097, "invalid args: this host refuses the secret in the query string; use an exchange that takes a form body, and change the secret if the URL may have been logged");
            }

            var fields = new Dictionary<string, StringValues>(context.Request.Query, StringComparer.Ordinal);
            if (!ExchangeEndpoints.OwnBudget(context, ExchangeEndpoints.Single(fields, "appid")))
            {
                return OverLimit();
            }

            if (Missing(fields, ("appid", 41002, "appid missing"), ("secret", 41004, "appsecret missing")) is { } missing)
            {
                return missing;
            }

            if (!string.Equals(ExchangeEndpoints.Single(fields, "grant_type"), "client_credential", StringComparison.Ordinal))
            {
                return Error(40002, "invalid grant_type: grant_type must be client_credential");
            }

            // cgi-bin/token words a wrong secret 40001 ("AppSecret错误或者AppSecret不属于这个小程序").
            var (app, refused) = await AuthenticateAsync(identities, fields, 40001, "invalid credential, access_token is invalid or not latest: the secret is wrong", context.RequestAborted)
                .ConfigureAwait(false);
            if (app is null)
            {
                return refused!;
            }

            return TypedResults.Json(new WeChatTokenResponse(IssueToken(protection, app, time.GetUtcNow()), AccessTokenSeconds), WeChatJson.Default.WeChatTokenResponse);
        });

    private static Task<IResult> PhoneNumberAsync(HttpContext context, HostIdentities identities, AuthCodeService authCodes, IDataProtectionProvider protection,
        TimeProvider time) =>
        GuardAsync(context, async () =>
        {
            var token = context.Request.Query["access_token"];
            var claimed = token.Count == 1 ? ReadToken(protection, token[0]) : null;
            if (!ExchangeEndpoints.OwnBudget(context, claimed?.AppId))
            {
                return OverLimit();
            }

            if (token.Count == 0 || string.IsNullOrEmpty(token[0]))
            {
                return Error(41001, "access_token missing");
            }

            // Another app's token, a forged one, or one issued under a secret rotated since, all look alike.
            var app = claimed is null ? null : await identities.FindAppAsync(claimed.AppId, context.RequestAborted).ConfigureAwait(false);
            if (claimed is null || app is not { DisabledAt: null, Platform: Platform.WeChat }
                || !CryptographicOperations.FixedTimeEquals(claimed.Binding, SecretBound.AccessTokenBinding(app)))
            {
                return Error(40001, "invalid credential, access_token is invalid or not latest");
            }

            if (claimed.ExpiresAt <= time.GetUtcNow())
            {
                return Error(42001, "access_token expired");
            }

            var code = await PhoneCodeAsync(context).ConfigureAwait(false);
            if (code is null)
            {
                return Error(47001, "data format error: send a JSON object {\"code\": \"...\"}");
            }

            if (code.Length == 0)
            {
                return Error(41008, "missing code");
            }

            var redemption = await authCodes.RedeemAuthCodeAsync(app.Id, code, context.RequestAborted).ConfigureAwait(false);
            if (!redemption.Succeeded || !IsPhoneCode(redemption.Code!))
            {
                // WeChat words every unusable phone code alike: wrong, expired, used, a login code, another app's.
                return Error(40029, "invalid code");
            }

            var userId = redemption.Code!.Subject.UserId;
            var number = await PhoneNumbers.FindAsync(context.RequestServices, app.Id, userId, context.RequestAborted).ConfigureAwait(false);
            if (number is null)
            {
                return Error(-1, "system error: the user has no phone number on file any more");
            }

            return TypedResults.Json(new WeChatPhoneResponse(0, "ok", new WeChatPhoneInfo(
                number.CountryCode == PhoneNumbers.MainlandCountryCode ? number.PurePhoneNumber : "+" + number.CountryCode + number.PurePhoneNumber,
                number.PurePhoneNumber, number.CountryCode, new WeChatWatermark(time.GetUtcNow().ToUnixTimeSeconds(), app.Id))), WeChatJson.Default.WeChatPhoneResponse);
        });

    /// <summary>Whether <paramref name="code"/> is a <c>getPhoneNumber</c> code rather than a login code.</summary>
    public static bool IsPhoneCode(AuthCodeRecord code) => code.Scopes.Contains(PhoneNumbers.Scope);

    // An expected failure (a store down or out of connections) is WeChat's "system error", still HTTP 200; a bug is not hidden.
    private static async Task<IResult> GuardAsync(HttpContext context, Func<Task<IResult>> handle)
    {
        // HEAD reads nothing: it must not use up a code or spend a budget.
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Error(40097, "invalid args: use GET or POST");
        }

        try
        {
            return await handle().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted && EndpointSafety.ProblemFor(ex, context) is not null)
        {
            return Error(-1, "system error");
        }
    }

    // GET: the query string, as WeChat. POST: a form body, or the query string when the body is not a form.
    private static async Task<Dictionary<string, StringValues>?> FieldsAsync(HttpContext context)
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType)
        {
            return await ExchangeEndpoints.ReadFormAsync(context).ConfigureAwait(false);
        }

        return new Dictionary<string, StringValues>(context.Request.Query, StringComparer.Ordinal);
    }

    private static IResult? Missing(Dictionary<string, StringValues> fields, params ReadOnlySpan<(string Key, int ErrCode, string ErrMsg)> required)
    {
        foreach (var (key, errcode, errmsg) in required)
        {
            if (!fields.TryGetValue(key, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
            {
                return Error(errcode, errmsg);
            }
        }

        return null;
    }

    // An id that names no WeChat app is 40013; a WeChat app with the wrong secret (or disabled) is the caller's code.
    private static async Task<(HostApp? App, IResult? Refusal)> AuthenticateAsync(HostIdentities identities, Dictionary<string, StringValues> fields,
        int wrongSecret, string wrongSecretMessage, CancellationToken cancellationToken)
    {
        var appId = ExchangeEndpoints.Single(fields, "appid");
        var app = await identities.AuthenticateAppAsync(appId, ExchangeEndpoints.Single(fields, "secret"), cancellationToken).ConfigureAwait(false);
        if (app?.Platform == Platform.WeChat)
        {
            return (app, null);
        }

        var known = await identities.FindAppAsync(appId, cancellationToken).ConfigureAwait(false);
        return (null, known?.Platform == Platform.WeChat ? Error(wrongSecret, wrongSecretMessage) : Error(40013, "invalid appid"));
    }

    // The token is sealed by the host's data protection keys (shared by every instance): the app, when it ends, and a
    // binding to the secret it was issued under, so rotating the secret ends every token at once without a store.
    private static string IssueToken(IDataProtectionProvider protection, HostApp app, DateTimeOffset now)
    {
        var appId = Encoding.UTF8.GetBytes(app.Id);
        var binding = SecretBound.AccessTokenBinding(app);
        var plain = new byte[8 + binding.Length + appId.Length];
        BinaryPrimitives.WriteInt64BigEndian(plain, now.AddSeconds(AccessTokenSeconds).ToUnixTimeSeconds());
        binding.CopyTo(plain, 8);
        appId.CopyTo(plain, 8 + binding.Length);
        return Base64Url.EncodeToString(protection.CreateProtector(TokenPurpose).Protect(plain));
    }

    private static ClaimedToken? ReadToken(IDataProtectionProvider protection, string? token)
    {
        if (token is not { Length: > 0 and <= MaxTokenLength })
        {
            return null;
        }

        try
        {
            var plain = protection.CreateProtector(TokenPurpose).Unprotect(Base64Url.DecodeFromChars(token));
            var bindingLength = SecretBound.AccessTokenBindingLength;
            if (plain.Length <= 8 + bindingLength)
            {
                return null;
            }

            return new ClaimedToken(
                Encoding.UTF8.GetString(plain, 8 + bindingLength, plain.Length - 8 - bindingLength),
                plain.AsSpan(8, bindingLength).ToArray(),
                DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(plain)));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    // {"code": "..."}: null when the body is not such a JSON object (bad bytes, another shape), "" when code is missing.
    private static async Task<string?> PhoneCodeAsync(HttpContext context)
    {
        var (bytes, length, problem) = await JsonBody.ReadBoundedAsync(context).ConfigureAwait(false);
        try
        {
            if (problem is not null)
            {
                return null;
            }

            using var document = JsonDocument.Parse(bytes.AsMemory(0, length));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return document.RootElement.TryGetProperty("code", out var code)
                ? code.ValueKind == JsonValueKind.String ? code.GetString() : null
                : string.Empty;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Bad bytes in a string (GetString cannot transcode them) are bad data, as bad JSON is.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static IResult OverLimit() => Error(45011, "api minute-quota reach limit mustslower retry next minute");

    private static IResult Error(int errcode, string errmsg) =>
        TypedResults.Json(new WeChatError(errcode, errmsg), WeChatJson.Default.WeChatError);

    private sealed record ClaimedToken(string AppId, byte[] Binding, DateTimeOffset ExpiresAt);
}

internal sealed record WeChatError([property: JsonPropertyName("errcode")] int ErrCode, [property: JsonPropertyName("errmsg")] string ErrMsg);

internal sealed record WeChatTokenResponse([property: JsonPropertyName("access_token")] string AccessToken, [property: JsonPropertyName("expires_in")] int ExpiresIn);

internal sealed record WeChatPhoneBody([property: JsonPropertyName("code")] string? Code);

internal sealed record WeChatPhoneResponse(
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string ErrMsg,
    [property: JsonPropertyName("phone_info")] WeChatPhoneInfo PhoneInfo);

internal sealed record WeChatPhoneInfo(
    [property: JsonPropertyName("phoneNumber")] string PhoneNumber,
    [property: JsonPropertyName("purePhoneNumber")] string PurePhoneNumber,
    [property: JsonPropertyName("countryCode")] string CountryCode,
    [property: JsonPropertyName("watermark")] WeChatWatermark Watermark);

internal sealed record WeChatWatermark([property: JsonPropertyName("timestamp")] long Timestamp, [property: JsonPropertyName("appid")] string AppId);

[JsonSerializable(typeof(WeChatError))]
[JsonSerializable(typeof(WeChatTokenResponse))]
[JsonSerializable(typeof(WeChatPhoneBody))]
[JsonSerializable(typeof(WeChatPhoneResponse))]
internal sealed partial class WeChatJson : JsonSerializerContext;
