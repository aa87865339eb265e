using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// Alipay's OpenAPI gateway (<c>gateway.do</c>) as Alipay's own SDKs call it, for <c>alipay.system.oauth.token</c> and
/// <c>zhima.credit.score.brief.get</c>: the common parameters in the query string or the form body, signed with the
/// app's RSA2 private key (SHA256withRSA over every non-empty parameter but <c>sign</c>, sorted by name, as
/// <c>k=v&amp;…</c> in UTF-8) and verified with the public key the app registered. Every answer is HTTP 200, in Alipay's
/// shape (<c>{"&lt;method&gt;_response":{…},"sign":"…"}</c>), signed with the host's own key over the exact text of
/// the response node (<see cref="AlipayGatewayKey"/>).
/// </summary>
internal static class AlipayGateway
{
    private const string TokenMethod = "alipay.system.oauth.token";
    private const string ErrorNode = "error_response";
    private static readonly TimeSpan BeijingOffset = TimeSpan.FromHours(8);

    // Alipay documents the timestamp's format, not how far it may stray; SDKs send the server's local time, so every time
    // zone (UTC-12 to UTC+14 against Beijing's UTC+8) must pass. A signed call is replayable only within this window.
    private static readonly TimeSpan TimestampWindow = TimeSpan.FromHours(21);

    public static void Map(IEndpointRouteBuilder routes) =>
        // No Accepts metadata: routing would answer another content type with 415, where Alipay answers 200 and its code.
        routes.MapPost("/alipay/gateway.do", HandleAsync).Produces(StatusCodes.Status200OK, contentType: "application/json");

    private static async Task<IResult> HandleAsync(HttpContext context, HostIdentities identities, AlipayGatewayKey hostKey, TimeProvider time)
    {
        var parameters = await ReadParametersAsync(context).ConfigureAwait(false);
        var method = parameters is null ? null : Value(parameters, "method");
        var node = method is TokenMethod or ZhimaEndpoints.Method ? method.Replace('.', '_') + "_response" : ErrorNode;
        if (!ExchangeEndpoints.OwnBudget(context, parameters is null ? null : Value(parameters, "app_id")))
        {
            return await ErrorAsync(context, hostKey, node, "20000", "Service Currently Unavailable", "isp.call-limited", "调用频率超限").ConfigureAwait(false);
        }

        if (parameters is null)
        {
            return await InvalidAsync(context, hostKey, node, "isv.invalid-parameter",
                "参数无效: send the parameters once each, in the query string or an application/x-www-form-urlencoded UTF-8 body").ConfigureAwait(false);
        }

        if (Refusal(parameters, method, time.GetUtcNow()) is { } refusal)
        {
            return await ErrorAsync(context, hostKey, node, refusal.Code, refusal.Msg, refusal.SubCode, refusal.SubMsg).ConfigureAwait(false);
        }

        var app = await identities.FindAppAsync(Value(parameters, "app_id"), context.RequestAborted).ConfigureAwait(false);
        if (app is not { Platform: Platform.Alipay, DisabledAt: null })
        {
            return await InvalidAsync(context, hostKey, node, "isv.invalid-app-id", "无效的AppID参数").ConfigureAwait(false);
        }

        if (app.AlipayPublicKey is not { } publicKey)
        {
            return await InvalidAsync(context, hostKey, node, "isv.app-unbind-key", "应用未配置对应签名算法的公钥: register the app's RSA2 public key on the host").ConfigureAwait(false);
        }

        var content = SignContent(parameters);
        if (!AlipayAppKeys.Verify(publicKey, Encoding.UTF8.GetBytes(content), Value(parameters, "sign")!))
        {
            return await InvalidAsync(context, hostKey, node, "isv.invalid-signature",
                "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：" + content).ConfigureAwait(false);
        }

        if (method == TokenMethod)
        {
            if (!string.Equals(Value(parameters, "grant_type"), "authorization_code", StringComparison.Ordinal))
            {
                return await ErrorAsync(context, hostKey, ErrorNode, "40002", "Invalid Arguments", "isv.grant-type-invalid", "grant_type must be authorization_code")
                    .ConfigureAwait(false);
            }

            return await ExchangeEndpoints.IssueAlipayTokenAsync(context, app, Value(parameters, "code")).ConfigureAwait(false) is { } token
                ? await SignedAsync(context, hostKey, node, token, HostJson.Default.AlipayToken).ConfigureAwait(false)
                // Alipay answers a refused code in error_response, and words every unusable code alike.
                : await ErrorAsync(context, hostKey, ErrorNode, "40002", "Invalid Arguments", "isv.code-invalid", "授权码code无效").ConfigureAwait(false);
        }

        var (_, brief) = await ZhimaEndpoints.ScoreBriefAsync(context, app, Value(parameters, "auth_token"), Value(parameters, "biz_content")).ConfigureAwait(false);
        return await SignedAsync(context, hostKey, node, brief, HostJson.Default.ZhimaCreditBody).ConfigureAwait(false);
    }

    /// <summary>The common parameters' refusal in Alipay's codes, or <see langword="null"/> when they are complete.</summary>
    private static AlipayErrorResponse? Refusal(Dictionary<string, string> parameters, string? method, DateTimeOffset now)
    {
        static AlipayErrorResponse Missing(string subCode, string subMsg) => new("40001", "Missing Required Arguments", subCode, subMsg);
        static AlipayErrorResponse Invalid(string subCode, string subMsg) => new("40002", "Invalid Arguments", subCode, subMsg);

        if (method is null)
        {
            return Missing("isv.missing-method", "缺少方法名参数");
        }

        if (method is not (TokenMethod or ZhimaEndpoints.Method))
        {
            return Invalid("isv.invalid-method", "不存在的方法名: this gateway serves " + TokenMethod + " and " + ZhimaEndpoints.Method);
        }

        if (Value(parameters, "app_id") is null)
        {
            return Missing("isv.missing-app-id", "缺少appId参数");
        }

        // Form bodies and queries are read as UTF-8: a client that signed GBK text would never verify.
        if (!string.Equals(Value(parameters, "charset"), "utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Invalid("isv.invalid-charset", "字符集错误: this gateway takes charset=utf-8");
        }

        if (Value(parameters, "format") is { } format && !string.Equals(format, "JSON", StringComparison.OrdinalIgnoreCase))
        {
            return Invalid("isv.invalid-format", "无效的数据格式: format is JSON");
        }

        if (Value(parameters, "sign_type") is not { } signType)
        {
            return Missing("isv.missing-signature-type", "缺少签名类型参数");
        }

        if (signType != "RSA2")
        {
            return Invalid("isv.invalid-signature-type", "无效的签名类型: this gateway takes RSA2");
        }

        if (Value(parameters, "sign") is null)
        {
            return Missing("isv.missing-signature", "缺少签名参数");
        }

        if (Value(parameters, "timestamp") is not { } timestamp)
        {
            return Missing("isv.missing-timestamp", "缺少时间戳参数");
        }

        if (!DateTime.TryParseExact(timestamp, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            || (new DateTimeOffset(local, BeijingOffset) - now).Duration() > TimestampWindow)
        {
            return Invalid("isv.invalid-timestamp", "非法的时间戳参数: yyyy-MM-dd HH:mm:ss, within 21 hours of the gateway's clock in Beijing time");
        }

        return Value(parameters, "version") is null ? Missing("isv.missing-version", "缺少版本参数") : null;
    }

    /// <summary>What the app signed: every non-empty parameter but <c>sign</c>, sorted by name (ordinal), as <c>k=v</c>
    /// joined with <c>&amp;</c>, values as sent (decoded, not re-encoded).</summary>
    private static string SignContent(Dictionary<string, string> parameters) =>
        string.Join('&', parameters
            .Where(pair => pair.Key != "sign" && pair.Value.Length > 0)
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => pair.Key + "=" + pair.Value));

    /// <summary>The query string's and the body's parameters, or <see langword="null"/> when the body is not a UTF-8
    /// form, a name repeats, or a name or value holds text a form cannot carry.</summary>
    private static async Task<Dictionary<string, string>?> ReadParametersAsync(HttpContext context)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Add(parameters, context.Request.Query))
        {
            return null;
        }

        if (context.Request.ContentLength is null or 0 && string.IsNullOrEmpty(context.Request.ContentType) && context.Request.Headers.TransferEncoding.Count == 0)
        {
            return parameters;
        }

        var form = await ExchangeEndpoints.ReadFormAsync(context).ConfigureAwait(false);
        return form is not null && Add(parameters, form) ? parameters : null;
    }

    private static bool Add(Dictionary<string, string> parameters, IEnumerable<KeyValuePair<string, StringValues>> source)
    {
        foreach (var (key, values) in source)
        {
            // A repeated name (here or across query and body) could be read one way and signed another: refused.
            if (values.Count != 1 || values[0] is not { } value || key.Length is 0 or > 64 || !Clean(key) || !Clean(value)
                || !parameters.TryAdd(key, value))
            {
                return false;
            }
        }

        return true;
    }

    // Lone surrogates (from %ED%A0%80 in a query) cannot be signed as UTF-8, and control characters belong in no parameter.
    private static bool Clean(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune == Rune.ReplacementChar || (Rune.IsControl(rune) && rune.Value is not ('\n' or '\r' or '\t')))
            {
                return false;
            }
        }

        return true;
    }

    private static string? Value(Dictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    private static Task<IResult> InvalidAsync(HttpContext context, AlipayGatewayKey hostKey, string node, string subCode, string subMsg) =>
        ErrorAsync(context, hostKey, node, "40002", "Invalid Arguments", subCode, subMsg);

    // Alipay's error node has the same four members whichever method failed.
    private static Task<IResult> ErrorAsync(HttpContext context, AlipayGatewayKey hostKey, string node, string code, string msg, string subCode, string subMsg) =>
        SignedAsync(context, hostKey, node, new AlipayErrorResponse(code, msg, subCode, subMsg), HostJson.Default.AlipayErrorResponse);

    /// <summary>HTTP 200 with <c>{"node":…,"sign":"…"}</c>, the signature over the node's exact UTF-8 text.</summary>
    private static async Task<IResult> SignedAsync<T>(HttpContext context, AlipayGatewayKey hostKey, string node, T value, JsonTypeInfo<T> type)
    {
        var text = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var sign = await hostKey.SignAsync(text, context.RequestAborted).ConfigureAwait(false);
        var body = new List<byte>(text.Length + sign.Length + node.Length + 16);
        body.AddRange(Encoding.UTF8.GetBytes("{\"" + node + "\":"));
        body.AddRange(text);
        body.AddRange(Encoding.UTF8.GetBytes(",\"sign\":\"" + sign + "\"}"));
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Bytes(body.ToArray(), "application/json;charset=utf-8");
    }
}
