using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// The app server's code exchange, authenticated with the app's secret and rate limited: WeChat's <c>jscode2session</c>,
/// Alipay's <c>alipay.system.oauth.token</c>, ByteDance's <c>jscode2session</c>, Baidu's <c>getSessionKeyByCode</c> and
/// Kuaishou's <c>code2session</c>. Fields come as a body (never the query string, which access logs record): a secret
/// sent in the query string is refused before anything else is read. Failures keep the platform's error shape. WeChat's
/// own API, which takes the secret in the query string by design, is in <see cref="WeChatExchange"/>.
/// </summary>
internal static partial class ExchangeEndpoints
{
    private const int AccessTokenSeconds = 1_296_000;
    private static readonly TimeSpan BeijingOffset = TimeSpan.FromHours(8);

    public static void Map(IEndpointRouteBuilder routes)
    {
        WeChatExchange.Map(routes);
        routes.MapPost("/alipay/oauth-token", AlipayOAuthTokenAsync).Accepts<IFormCollection>("application/x-www-form-urlencoded").Produces<AlipayTokenResponse>();
        MapPlatforms(routes);
        ZhimaEndpoints.Map(routes);
        AlipayGateway.Map(routes);
    }

    private static async Task<IResult> AlipayOAuthTokenAsync(HttpContext context, HostIdentities identities)
    {
        if (SecretInQuery(context))
        {
            return Alipay(StatusCodes.Status400BadRequest, "40002", "Invalid Arguments", "isv.invalid-parameter",
                "app_secret was sent in the query string, which logs keep; send it in an application/x-www-form-urlencoded body, and change it if the URL may have been logged");
        }

        var form = await ReadFormAsync(context).ConfigureAwait(false);
        if (!OwnBudget(context, form is null ? null : Single(form, "app_id")))
        {
            return AlipayOverLimit();
        }

        if (form is null)
        {
            return Alipay(StatusCodes.Status400BadRequest, "40001", "Missing Required Arguments", "isv.missing-parameters",
                "send app_id, app_secret, grant_type and code as an application/x-www-form-urlencoded body");
        }

        if (!string.Equals(Single(form, "grant_type"), "authorization_code", StringComparison.Ordinal))
        {
            return Alipay(StatusCodes.Status400BadRequest, "40002", "Invalid Arguments", "isv.grant-type-invalid", "grant_type must be authorization_code");
        }

        var app = await AuthenticateAsync(identities, Platform.Alipay, Single(form, "app_id"), Single(form, "app_secret"), context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Alipay(StatusCodes.Status401Unauthorized, "40002", "Invalid Arguments", "isv.invalid-app-secret", "app_id and app_secret do not match a registered app");
        }

        if (await IssueAlipayTokenAsync(context, app, Single(form, "code")).ConfigureAwait(false) is not { } token)
        {
            // Alipay words every unusable code alike: wrong, used, expired or another app's.
            return Alipay(StatusCodes.Status400BadRequest, "40002", "Invalid Arguments", "isv.code-invalid", "授权码code无效");
        }

        return TypedResults.Json(new AlipayTokenResponse { Token = token }, HostJson.Default.AlipayTokenResponse);
    }

    /// <summary>Redeems the app's code and issues the user's access token, or <see langword="null"/> when the code is
    /// not a live one of this app (shared by the form endpoint and the gateway).</summary>
    public static async Task<AlipayToken?> IssueAlipayTokenAsync(HttpContext context, HostApp app, string? code)
    {
        var services = context.RequestServices;
        var redemption = await services.GetRequiredService<AuthCodeService>().RedeemAuthCodeAsync(app.Id, code, context.RequestAborted).ConfigureAwait(false);
        if (!redemption.Succeeded)
        {
            return null;
        }

        var identities = services.GetRequiredService<HostIdentities>();
        var pseudonyms = services.GetRequiredService<Pseudonyms>();
        var userId = redemption.Code!.Subject.UserId;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var start = now.ToOffset(BeijingOffset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

        // The app's server calls the user's APIs (zhima.credit.score.brief.get) with the access token: kept by a keyed hash
        // that only the secret (and key) it was issued under finds again.
        var accessToken = Secrets.Create("authusrB");
        await identities.Store.SetAccessTokenAsync(SecretBound.AccessTokenKey(app, accessToken),
            new AccessTokenGrant(app.Id, userId, now.AddSeconds(AccessTokenSeconds)), context.RequestAborted).ConfigureAwait(false);
        return new AlipayToken(
            await pseudonyms.AlipayUserIdAsync(app.Id, userId, context.RequestAborted).ConfigureAwait(false),
            await pseudonyms.AlipayOpenIdAsync(app.Id, userId, context.RequestAborted).ConfigureAwait(false),
            accessToken, AccessTokenSeconds, Secrets.Create("authusrB"), 2_592_000, start);
    }

    /// <summary>Spends one exchange of the app the request names, from the client's address; <see langword="false"/>
    /// when that budget is spent (see <see cref="ClientBudgets"/>).</summary>
    public static bool OwnBudget(HttpContext context, string? appId) =>
        context.RequestServices.GetRequiredService<ClientBudgets>().TrySpendExchange(context, appId);

    /// <summary>Alipay's answer to a spent budget (the gateway's "call limited"; the code is ours, see docs/http-api.md).</summary>
    public static IResult AlipayOverLimit() =>
        Alipay(StatusCodes.Status429TooManyRequests, "20000", "Service Currently Unavailable", "isp.call-limited", "调用频率超限");

    /// <summary>An <c>application/x-www-form-urlencoded</c> body of bounded size, or <see langword="null"/> when it is not one.</summary>
    public static async Task<Dictionary<string, StringValues>?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType
            || !context.Request.ContentType!.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var (bytes, length, problem) = await JsonBody.ReadBoundedAsync(context).ConfigureAwait(false);
        try
        {
            if (problem is not null)
            {
                return null;
            }

            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
            return QueryHelpers.ParseQuery(text);
        }
        catch (Exception ex) when (ex is DecoderFallbackException or ArgumentException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    // The platform's own name for the secret (secret, app_secret) or any other key that carries the word, in any case.
    public static bool SecretInQuery(HttpContext context, string? alsoSecret = null)
    {
        foreach (var key in context.Request.Query.Keys)
        {
            if (key.Contains("secret", StringComparison.OrdinalIgnoreCase)
                || (alsoSecret is not null && string.Equals(key, alsoSecret, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    public static string? Single(Dictionary<string, StringValues> form, string key) =>
        form.TryGetValue(key, out var values) && values.Count == 1 ? values[0] : null;

    private static IResult Alipay(int status, string code, string msg, string subCode, string subMsg) =>
        TypedResults.Json(new AlipayTokenResponse { Error = new AlipayErrorResponse(code, msg, subCode, subMsg) }, HostJson.Default.AlipayTokenResponse, statusCode: status);
}
