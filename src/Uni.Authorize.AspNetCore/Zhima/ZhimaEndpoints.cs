using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// Alipay's <c>zhima.credit.score.brief.get</c> for the app's server: the <c>auth_token</c> is the access token of an
/// <c>alipay.system.oauth.token</c> exchange, and the user must still grant <c>auth_zhima</c> to the app. Answers come
/// from the registered <see cref="IZhimaCreditProvider"/> in Alipay's response shape, errors in Alipay's codes.
/// </summary>
internal static class ZhimaEndpoints
{
    public const string Method = "zhima.credit.score.brief.get";
    private const string Scope = "auth_zhima";

    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapPost("/alipay/" + Method, GetScoreBriefAsync)
            .Accepts<IFormCollection>("application/x-www-form-urlencoded").Produces<ZhimaCreditResponse>();

    private static async Task<IResult> GetScoreBriefAsync(HttpContext context, HostIdentities identities)
    {
        var ct = context.RequestAborted;
        if (ExchangeEndpoints.SecretInQuery(context, "auth_token"))
        {
            return Answer(StatusCodes.Status400BadRequest, "40002", "Invalid Arguments", "isv.invalid-parameter",
                "app_secret and auth_token were sent in the query string, which logs keep; send them in an application/x-www-form-urlencoded body");
        }

        var form = await ExchangeEndpoints.ReadFormAsync(context).ConfigureAwait(false);
        if (!ExchangeEndpoints.OwnBudget(context, form is null ? null : ExchangeEndpoints.Single(form, "app_id")))
        {
            return Answer(StatusCodes.Status429TooManyRequests, "20000", "Service Currently Unavailable", "isp.call-limited", "调用频率超限");
        }

        if (form is null)
        {
            return Answer(StatusCodes.Status400BadRequest, "40001", "Missing Required Arguments", "isv.missing-parameters",
                "send app_id, app_secret, auth_token and biz_content as an application/x-www-form-urlencoded body");
        }

        var app = await identities.AuthenticateAppAsync(ExchangeEndpoints.Single(form, "app_id"), ExchangeEndpoints.Single(form, "app_secret"), ct)
            .ConfigureAwait(false);
        if (app?.Platform != Platform.Alipay)
        {
            return Answer(StatusCodes.Status401Unauthorized, "40002", "Invalid Arguments", "isv.invalid-app-secret", "app_id and app_secret do not match a registered Alipay app");
        }

        var (status, body) = await ScoreBriefAsync(context, app, ExchangeEndpoints.Single(form, "auth_token"), ExchangeEndpoints.Single(form, "biz_content"))
            .ConfigureAwait(false);
        return TypedResults.Json(new ZhimaCreditResponse { Brief = body }, HostJson.Default.ZhimaCreditResponse, statusCode: status);
    }

    /// <summary>The call for an authenticated Alipay app (shared by the form endpoint and the gateway): the HTTP status
    /// the form endpoint answers with, and the response node.</summary>
    public static async Task<(int Status, ZhimaCreditBody Body)> ScoreBriefAsync(HttpContext context, HostApp app, string? token, string? bizContent)
    {
        var ct = context.RequestAborted;
        var identities = context.RequestServices.GetRequiredService<HostIdentities>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        if (ReadBizContent(bizContent) is not { } biz)
        {
            return Error(StatusCodes.Status400BadRequest, "40002", "Invalid Arguments", "isv.invalid-parameter",
                "biz_content is a JSON object with transaction_id and product_code (1 to 64 characters) and admittance_score (350 to 950)");
        }

        // Another app's token, or one issued under a secret (or key) changed since, looks like an unknown one: nothing leaks.
        var grant = token is { Length: > 0 and <= Secrets.MaxPresentedLength }
            ? await identities.Store.FindAccessTokenAsync(SecretBound.AccessTokenKey(app, token), ct).ConfigureAwait(false)
            : null;
        if (grant is null || !string.Equals(grant.AppId, app.Id, StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status401Unauthorized, "20001", "Insufficient Token Permissions", "aop.invalid-auth-token", "无效的访问令牌");
        }

        if (grant.ExpiresAt <= time.GetUtcNow())
        {
            return Error(StatusCodes.Status401Unauthorized, "20001", "Insufficient Token Permissions", "aop.auth-token-time-out", "访问令牌已过期");
        }

        var decision = await context.RequestServices.GetRequiredService<IDecisionStore>().GetAsync(new Subject(app.Id, grant.UserId), Scope, ct).ConfigureAwait(false);
        if (decision?.EffectiveState(time.GetUtcNow()) != DecisionState.Granted)
        {
            return Error(StatusCodes.Status403Forbidden, "40006", "Insufficient Permissions", "isv.insufficient-user-permissions",
                "the user has not granted auth_zhima to the app");
        }

        if (context.RequestServices.GetService<IZhimaCreditProvider>() is not { } provider)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, "20000", "Service Currently Unavailable", "isp.unknow-error",
                "no Zhima credit provider is registered on this host");
        }

        var brief = await provider.GetScoreBriefAsync(
            new ZhimaCreditRequest(app.Id, grant.UserId, biz.TransactionId, biz.ProductCode, biz.AdmittanceScore), ct).ConfigureAwait(false);
        return (StatusCodes.Status200OK, new ZhimaCreditBody("10000", "Success") { BizNo = brief.BizNo, IsAdmittance = brief.IsAdmittance ? "Y" : "N" });
    }

    private static ZhimaBiz? ReadBizContent(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && JsonBody.Decodes(root)
                && Text(root, "transaction_id") is { } transaction
                && Text(root, "product_code") is { } product
                && root.TryGetProperty("admittance_score", out var score) && score.ValueKind == JsonValueKind.Number
                && score.TryGetInt32(out var threshold) && threshold is >= 350 and <= 950
                ? new ZhimaBiz(transaction, product, threshold)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 64 } text
            ? text
            : null;

    private static (int, ZhimaCreditBody) Error(int status, string code, string msg, string subCode, string subMsg) =>
        (status, new ZhimaCreditBody(code, msg) { SubCode = subCode, SubMsg = subMsg });

    private static IResult Answer(int status, string code, string msg, string subCode, string subMsg) =>
        TypedResults.Json(new ZhimaCreditResponse { Brief = Error(status, code, msg, subCode, subMsg).Item2 },
            HostJson.Default.ZhimaCreditResponse, statusCode: status);

    private sealed record ZhimaBiz(string TransactionId, string ProductCode, int AdmittanceScore);
}
