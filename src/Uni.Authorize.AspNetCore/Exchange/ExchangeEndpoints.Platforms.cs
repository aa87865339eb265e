using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Uni.Authorize.AspNetCore;

// ByteDance, Baidu and Kuaishou: each in its platform's request and response shape (docs/platforms.md lists the
// sources and the codes chosen where a platform documents none). The rules are those of WeChat's exchange: the app is
// authenticated first (a wrong secret leaves the code usable), a code works once for its own app until it expires, and
// the first redemption attempt uses it up whatever its outcome.
internal static partial class ExchangeEndpoints
{
    /// <summary>The scope recorded on ByteDance's <c>anonymousCode</c>, which only the <c>anonymous_code</c> field redeems.</summary>
    public const string AnonymousLoginScope = "login.anonymous";

    private static void MapPlatforms(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/bytedance/jscode2session", ByteDanceJsCode2SessionAsync)
            .Accepts<IFormCollection>("application/json", "application/x-www-form-urlencoded").Produces<ByteDanceSessionResponse>();
        routes.MapPost("/baidu/getsessionkeybycode", BaiduGetSessionKeyByCodeAsync)
            .Accepts<IFormCollection>("application/x-www-form-urlencoded").Produces<BaiduSessionResponse>();
        routes.MapPost("/kuaishou/code2session", KuaishouCode2SessionAsync)
            .Accepts<IFormCollection>("application/x-www-form-urlencoded").Produces<KuaishouSessionResponse>();
    }

    private static async Task<IResult> ByteDanceJsCode2SessionAsync(HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms)
    {
        if (SecretInQuery(context))
        {
            return ByteDance(StatusCodes.Status400BadRequest, 40014,
                "bad params: the secret was sent in the query string, which logs keep; send it in a JSON body, and change it if the URL may have been logged");
        }

        var body = await ReadJsonOrFormAsync(context).ConfigureAwait(false);
        if (!OwnBudget(context, body is null ? null : Single(body, "appid")))
        {
            return ByteDance(StatusCodes.Status429TooManyRequests, -1, "system busy: too many requests for this app from this address, retry later");
        }

        if (body is null)
        {
            return ByteDance(StatusCodes.Status400BadRequest, 40014, "bad params: send appid, secret and code or anonymous_code as a JSON body");
        }

        var code = NonEmpty(body, "code");
        var anonymousCode = NonEmpty(body, "anonymous_code");
        if (code is null && anonymousCode is null)
        {
            return ByteDance(StatusCodes.Status400BadRequest, 40014, "bad params: code and anonymous_code cannot both be empty");
        }

        var app = await AuthenticateAsync(identities, Platform.ByteDance, Single(body, "appid"), Single(body, "secret"), context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return ByteDance(StatusCodes.Status401Unauthorized, 40017, "bad secret: the appid and secret do not match a registered ByteDance app");
        }

        // Both codes are tried (and so used up) before either outcome is answered.
        var user = code is null ? null : await RedeemAsync(authCodes, app.Id, code, anonymous: false, context.RequestAborted).ConfigureAwait(false);
        var anonymousUser = anonymousCode is null ? null : await RedeemAsync(authCodes, app.Id, anonymousCode, anonymous: true, context.RequestAborted).ConfigureAwait(false);
        if (code is not null && user is null)
        {
            return ByteDance(StatusCodes.Status400BadRequest, 40018, "bad code: the code is wrong, used, expired or another app's");
        }

        if (anonymousCode is not null && anonymousUser is null)
        {
            return ByteDance(StatusCodes.Status400BadRequest, 40019, "bad anonymous_code: the anonymous_code is wrong, used, expired or another app's");
        }

        var ct = context.RequestAborted;
        return TypedResults.Json(new ByteDanceSessionResponse
        {
            Data = new ByteDanceSession(
                user is null ? string.Empty : await SecretBound.NewSessionKeyAsync(identities.Store, app, user, ct).ConfigureAwait(false),
                user is null ? string.Empty : await pseudonyms.ByteDanceOpenIdAsync(app.Id, user, ct).ConfigureAwait(false),
                anonymousUser is null ? string.Empty : await pseudonyms.ByteDanceAnonymousOpenIdAsync(app.Id, anonymousUser, ct).ConfigureAwait(false),
                user is null ? string.Empty : await pseudonyms.UnionIdAsync(user, ct).ConfigureAwait(false)),
        }, HostJson.Default.ByteDanceSessionResponse);
    }

    private static async Task<IResult> BaiduGetSessionKeyByCodeAsync(HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms)
    {
        // Baidu names the secret "sk".
        if (SecretInQuery(context, alsoSecret: "sk"))
        {
            return Baidu(StatusCodes.Status400BadRequest, 1, "invalid_request",
                "sk was sent in the query string, which logs keep; send it in an application/x-www-form-urlencoded body, and change it if the URL may have been logged");
        }

        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (!OwnBudget(context, form is null ? null : Single(form, "client_id")))
        {
            return Baidu(StatusCodes.Status429TooManyRequests, 4, "temporarily_unavailable", "too many requests for this app from this address, retry later");
        }

        if (form is null || NonEmpty(form, "code") is null)
        {
            return Baidu(StatusCodes.Status400BadRequest, 1, "invalid_request", "send code, client_id and sk as an application/x-www-form-urlencoded body");
        }

        var app = await AuthenticateAsync(identities, Platform.Baidu, Single(form, "client_id"), Single(form, "sk"), context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Baidu(StatusCodes.Status401Unauthorized, 2, "invalid_client", "unknown client id or wrong sk");
        }

        var user = await RedeemAsync(authCodes, app.Id, Single(form, "code"), anonymous: false, context.RequestAborted).ConfigureAwait(false);
        if (user is null)
        {
            return Baidu(StatusCodes.Status400BadRequest, 3, "invalid_grant", "invalid code: wrong, used, expired or another app's");
        }

        return TypedResults.Json(new BaiduSessionResponse
        {
            OpenId = await pseudonyms.BaiduOpenIdAsync(app.Id, user, context.RequestAborted).ConfigureAwait(false),
            SessionKey = await SecretBound.NewSessionKeyAsync(identities.Store, app, user, context.RequestAborted).ConfigureAwait(false),
        }, HostJson.Default.BaiduSessionResponse);
    }

    private static async Task<IResult> KuaishouCode2SessionAsync(HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms)
    {
        if (SecretInQuery(context))
        {
            return Kuaishou(StatusCodes.Status400BadRequest, 100200100,
                "app_secret was sent in the query string, which logs keep; send it in an application/x-www-form-urlencoded body, and change it if the URL may have been logged");
        }

        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (!OwnBudget(context, form is null ? null : Single(form, "app_id")))
        {
            return Kuaishou(StatusCodes.Status429TooManyRequests, -1, "too many requests for this app from this address, retry later");
        }

        if (form is null || NonEmpty(form, "js_code") is null)
        {
            return Kuaishou(StatusCodes.Status400BadRequest, 100200100, "send app_id, app_secret and js_code as an application/x-www-form-urlencoded body");
        }

        var app = await AuthenticateAsync(identities, Platform.Kuaishou, Single(form, "app_id"), Single(form, "app_secret"), context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Kuaishou(StatusCodes.Status401Unauthorized, 100200101, "app_id and app_secret do not match a registered Kuaishou app");
        }

        var user = await RedeemAsync(authCodes, app.Id, Single(form, "js_code"), anonymous: false, context.RequestAborted).ConfigureAwait(false);
        if (user is null)
        {
            return Kuaishou(StatusCodes.Status400BadRequest, 240001, "code非法: the code is wrong, used, expired or another app's");
        }

        return TypedResults.Json(new KuaishouSessionResponse
        {
            SessionKey = await SecretBound.NewSessionKeyAsync(identities.Store, app, user, context.RequestAborted).ConfigureAwait(false),
            OpenId = await pseudonyms.KuaishouOpenIdAsync(app.Id, user, context.RequestAborted).ConfigureAwait(false),
        }, HostJson.Default.KuaishouSessionResponse);
    }

    // An app of another platform is refused like an unknown one: each endpoint serves its own platform's apps.
    private static async ValueTask<HostApp?> AuthenticateAsync(HostIdentities identities, Platform platform, string? appId, string? secret, CancellationToken cancellationToken)
    {
        var app = await identities.AuthenticateAppAsync(appId, secret, cancellationToken).ConfigureAwait(false);
        return app?.Platform == platform ? app : null;
    }

    /// <summary>The user the code names when this attempt redeemed it; <see langword="null"/> for any unusable code. A login
    /// code and an anonymous code are not interchangeable (either used in the other's field is refused, and used up).</summary>
    private static async ValueTask<string?> RedeemAsync(AuthCodeService authCodes, string appId, string? code, bool anonymous, CancellationToken cancellationToken)
    {
        var redemption = await authCodes.RedeemAuthCodeAsync(appId, code, cancellationToken).ConfigureAwait(false);
        return redemption.Succeeded && redemption.Code!.Scopes.Contains(AnonymousLoginScope) == anonymous ? redemption.Code.Subject.UserId : null;
    }

    private static string? NonEmpty(Dictionary<string, StringValues> fields, string key) =>
        Single(fields, key) is { Length: > 0 } value ? value : null;

    // ByteDance documents a JSON body; a form body is taken too, like the other exchanges.
    private static async Task<Dictionary<string, StringValues>?> ReadJsonOrFormAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadFormAsync(context).ConfigureAwait(false);
        }

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

            var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    fields[property.Name] = fields.TryGetValue(property.Name, out var seen)
                        ? StringValues.Concat(seen, property.Value.GetString())
                        : new StringValues(property.Value.GetString());
                }
            }

            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static IResult ByteDance(int status, int errNo, string errTips) =>
        TypedResults.Json(new ByteDanceSessionResponse { ErrNo = errNo, ErrTips = errTips }, HostJson.Default.ByteDanceSessionResponse, statusCode: status);

    private static IResult Baidu(int status, int errNo, string error, string description) =>
        TypedResults.Json(new BaiduSessionResponse { ErrNo = errNo, Error = error, ErrorDescription = description }, HostJson.Default.BaiduSessionResponse, statusCode: status);

    private static IResult Kuaishou(int status, int result, string message) =>
        TypedResults.Json(new KuaishouSessionResponse { Result = result, ErrorMsg = message }, HostJson.Default.KuaishouSessionResponse, statusCode: status);
}
