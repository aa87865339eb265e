using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// The Alipay gateway (gateway.do) as an app server written with HttpClient and System.Security.Cryptography calls it:
/// only a call signed with the app's registered RSA2 key acts, every answer (refusals included) is HTTP 200 in Alipay's
/// shape and signed with the host's key, and no malformed body, encoding or signature gets a 500.
/// </summary>
public sealed class AlipayGatewayTests : IAsyncLifetime
{
    private const string Gateway = "/api/v1/exchange/alipay/gateway.do";
    private const string TokenMethod = "alipay.system.oauth.token";
    private const string ZhimaMethod = "zhima.credit.score.brief.get";
    private const string Biz = """{"transaction_id":"tx-1","product_code":"w1010100000000002733","admittance_score":600}""";
    private readonly Scripted _zhima = new();
    private readonly RSA _appKey = RSA.Create(2048);
    private TestHost _host = null!;
    private RSA _hostKey = null!;

    public async ValueTask InitializeAsync()
    {
        _host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "1000" }, services => services.AddSingleton<IZhimaCreditProvider>(_zhima));
        using var admin = _host.Admin();
        var key = await admin.GetFromJsonAsync<JsonObject>("/admin/v1/alipay/gateway-key");
        Assert.Equal("RSA2", (string)key!["signType"]!);
        _hostKey = RSA.Create();
        _hostKey.ImportSubjectPublicKeyInfo(Convert.FromBase64String((string)key["publicKey"]!), out _);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _appKey.Dispose();
        _hostKey.Dispose();
    }

    [Fact]
    public async Task Gateway_CallsSignedWithTheAppsKey_ExchangeTheCodeAndReadZhimaInAnswersSignedByTheHost()
    {
        var appId = await AlipayAppAsync();
        var code = await GrantedCodeAsync(appId, "auth_zhima");

        var token = await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = code }, "alipay_system_oauth_token_response");
        var brief = await CallAsync(appId, ZhimaMethod, new() { ["auth_token"] = (string)token["access_token"]!, ["biz_content"] = Biz },
            "zhima_credit_score_brief_get_response");

        Assert.Matches("^2088[0-9]{12}$", (string)token["user_id"]!);
        Assert.Equal("10000", (string)brief["code"]!);
        Assert.Equal("Y", (string)brief["is_admittance"]!);
        Assert.Equal(appId, Assert.Single(_zhima.Requests).AppId);
    }

    [Fact]
    public async Task Gateway_CodeTwiceOrOfAnotherApp_IsCodeInvalidInErrorResponse()
    {
        var appId = await AlipayAppAsync();
        var otherId = await AlipayAppAsync();
        var code = await GrantedCodeAsync(appId, "auth_base");
        var otherCode = await GrantedCodeAsync(otherId, "auth_base");

        await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = code }, "alipay_system_oauth_token_response");
        var again = await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = code }, "error_response");
        var foreign = await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = otherCode }, "error_response");

        Assert.Equal("isv.code-invalid", (string)again["sub_code"]!);
        Assert.Equal("isv.code-invalid", (string)foreign["sub_code"]!);
        // The other app's code was not spent by the refused attempt.
        await CallAsync(otherId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = otherCode }, "alipay_system_oauth_token_response");
    }

    [Fact]
    public async Task Gateway_SignedWithAnotherKey_IsInvalidSignatureAndTheCodeStaysUnused()
    {
        var appId = await AlipayAppAsync();
        var code = await GrantedCodeAsync(appId, "auth_base");
        using var stranger = RSA.Create(2048);

        var forged = await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = code }, "alipay_system_oauth_token_response",
            signer: stranger);

        Assert.Equal("40002", (string)forged["code"]!);
        Assert.Equal("isv.invalid-signature", (string)forged["sub_code"]!);
        await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = code }, "alipay_system_oauth_token_response");
    }

    [Fact]
    public async Task Gateway_TamperedBizContent_IsInvalidSignatureAndTheProviderIsNotAsked()
    {
        var appId = await AlipayAppAsync();
        var token = await TokenAsync(appId, "auth_zhima");
        var signed = Signed(appId, ZhimaMethod, new() { ["auth_token"] = token, ["biz_content"] = Biz });
        signed["biz_content"] = Biz.Replace("600", "350", StringComparison.Ordinal);

        var answer = await SendAsync(new FormUrlEncodedContent(signed), "zhima_credit_score_brief_get_response");

        Assert.Equal("isv.invalid-signature", (string)answer["sub_code"]!);
        Assert.Empty(_zhima.Requests);
    }

    [Fact]
    public async Task Gateway_UnknownAppOrAppWithoutKeyOrOtherPlatform_IsRefusedInAlipaysCodes()
    {
        var unbound = (await _host.CreateAppAsync(Platform.Alipay)).Id;
        var wechat = (await _host.CreateAppAsync(Platform.WeChat)).Id;
        var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = "c" };

        var unknown = await CallAsync("no-such-app", TokenMethod, form, "alipay_system_oauth_token_response");
        var noKey = await CallAsync(unbound, TokenMethod, form, "alipay_system_oauth_token_response");
        var otherPlatform = await CallAsync(wechat, TokenMethod, form, "alipay_system_oauth_token_response");

        Assert.Equal("isv.invalid-app-id", (string)unknown["sub_code"]!);
        Assert.Equal("isv.app-unbind-key", (string)noKey["sub_code"]!);
        Assert.Equal("isv.invalid-app-id", (string)otherPlatform["sub_code"]!);
    }

    [Theory]
    [InlineData("sign", null, "isv.missing-signature")]
    [InlineData("sign_type", null, "isv.missing-signature-type")]
    [InlineData("sign_type", "RSA", "isv.invalid-signature-type")]
    [InlineData("charset", "GBK", "isv.invalid-charset")]
    [InlineData("charset", null, "isv.invalid-charset")]
    [InlineData("timestamp", "2020-01-01 00:00:00", "isv.invalid-timestamp")]
    [InlineData("timestamp", "yesterday", "isv.invalid-timestamp")]
    [InlineData("app_id", null, "isv.missing-app-id")]
    [InlineData("version", null, "isv.missing-version")]
    [InlineData("format", "XML", "isv.invalid-format")]
    public async Task Gateway_CommonParameterMissingOrWrong_IsRefusedWithAlipaysSubCode(string name, string? value, string subCode)
    {
        var appId = await AlipayAppAsync();
        var code = await GrantedCodeAsync(appId, "auth_base");
        var fields = Signed(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = code }, change: (name, value));

        var answer = await SendAsync(new FormUrlEncodedContent(fields), "alipay_system_oauth_token_response");

        Assert.Equal(subCode, (string)answer["sub_code"]!);
        await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = code }, "alipay_system_oauth_token_response");
    }

    [Fact]
    public async Task Gateway_UnknownOrMissingMethod_IsRefusedInErrorResponse()
    {
        var appId = await AlipayAppAsync();

        var unknown = await SendAsync(new FormUrlEncodedContent(Signed(appId, "alipay.trade.pay", [])), "error_response");
        var missing = await SendAsync(new FormUrlEncodedContent(Signed(appId, TokenMethod, [], change: ("method", null))), "error_response");

        Assert.Equal("isv.invalid-method", (string)unknown["sub_code"]!);
        Assert.Equal("isv.missing-method", (string)missing["sub_code"]!);
    }

    [Fact]
    public async Task Gateway_AppKeyReplaced_EndsTheTokensIssuedUnderTheOldKey()
    {
        var appId = await AlipayAppAsync();
        var token = await TokenAsync(appId, "auth_zhima");
        using var next = RSA.Create(2048);

        await RegisterAsync(appId, next);
        var answer = await CallAsync(appId, ZhimaMethod, new() { ["auth_token"] = token, ["biz_content"] = Biz }, "zhima_credit_score_brief_get_response",
            signer: next);

        Assert.Equal("aop.invalid-auth-token", (string)answer["sub_code"]!);
        Assert.Empty(_zhima.Requests);
    }

    [Fact]
    public async Task Gateway_OverTheExchangeBudget_AnswersCallLimitedWithHttp200()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "2" });
        using var client = host.CreateClient();
        var statuses = new List<HttpStatusCode>();
        JsonObject? last = null;
        for (var i = 0; i < 3; i++)
        {
            var response = await client.PostAsync(Gateway + "?app_id=a&method=" + TokenMethod, new FormUrlEncodedContent([]));
            statuses.Add(response.StatusCode);
            last = await Json(response);
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal("isp.call-limited", (string)last!["alipay_system_oauth_token_response"]!["sub_code"]!);
    }

    [Fact]
    public async Task Gateway_MalformedBodiesEncodingsAndSignatures_AlwaysAnswerASignedAlipayRefusalNever500()
    {
        var appId = await AlipayAppAsync();
        var random = new Random(19);
        var valid = Signed(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = "c" });
        var query = string.Join('&', valid.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
        var cases = new List<(string Query, HttpContent Content)>
        {
            (query, new ByteArrayContent([0xff, 0xfe, 0xed]) { Headers = { { "Content-Type", "application/x-www-form-urlencoded" } } }),
            (query, new StringContent("{\"code\":\"\xff\"}", Encoding.UTF8, "application/json")),
            (query, new StringContent("code=%ff%fe", Encoding.UTF8, "application/x-www-form-urlencoded")),
            (query, new StringContent("code=a&code=b", Encoding.UTF8, "application/x-www-form-urlencoded")),
            (query, new StringContent("app_id=" + appId, Encoding.UTF8, "application/x-www-form-urlencoded")),
            (query, new StringContent("x=" + new string('a', 2_000_000), Encoding.UTF8, "application/x-www-form-urlencoded")),
            (query.Replace("sign=", "sign=%ED%A0%80", StringComparison.Ordinal), new FormUrlEncodedContent([])),
            (query.Replace("sign=", "sign=!!not-base64!!", StringComparison.Ordinal), new FormUrlEncodedContent([])),
            (query + "&biz_content=%00%01", new FormUrlEncodedContent([])),
            ("method=" + TokenMethod + "&app_id=%ff", new FormUrlEncodedContent([])),
            (query, new MultipartFormDataContent { { new StringContent("c"), "code" } }),
        };
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            var content = new ByteArrayContent(bytes);
            content.Headers.TryAddWithoutValidation("Content-Type", i % 2 == 0 ? "application/x-www-form-urlencoded; charset=utf-8" : "text/plain; charset=gbk");
            var fields = valid.ToDictionary();
            fields["sign"] = Convert.ToBase64String(bytes);
            cases.Add((i % 3 == 0 ? query : string.Join('&', fields.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value))), content));
        }

        using var client = _host.CreateClient();
        foreach (var (q, content) in cases)
        {
            var response = await client.PostAsync(Gateway + "?" + q, content);
            var text = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var node = VerifiedNode(text, text.Contains("\"error_response\"", StringComparison.Ordinal) ? "error_response" : "alipay_system_oauth_token_response");
            Assert.NotEqual("10000", (string?)node["code"]);
            Assert.False(node.ContainsKey("access_token"), text);
        }
    }

    private async Task<string> AlipayAppAsync()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.Alipay);
        await RegisterAsync(appId, _appKey);
        return appId;
    }

    private async Task RegisterAsync(string appId, RSA key)
    {
        using var admin = _host.Admin();
        var pem = key.ExportSubjectPublicKeyInfoPem();
        var response = await admin.PutAsJsonAsync($"/admin/v1/apps/{appId}/alipay-public-key", new { publicKey = pem });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), (string)(await Json(response))["alipayPublicKey"]!);
    }

    private async Task<string> GrantedCodeAsync(string appId, string scope)
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..8];
        var userId = await _host.CreateUserAsync(name);
        using var app = await _host.MiniAppAsync(appId, userId);
        if (scope == "auth_base")
        {
            return (string)(await Json(await PostJson(app, "/api/v1/authorize", new { scopes = new[] { scope } })))["authCode"]!;
        }

        using var user = await _host.UserAsync(name);
        var call = PostJson(app, "/api/v1/authorize?wait=20", new { scopes = new[] { scope } });
        await AnswerAsync(user, (string)(await PendingConsentAsync(user))["id"]!, "allow");
        return (string)(await Json(await call))["authCode"]!;
    }

    private async Task<string> TokenAsync(string appId, string scope) =>
        (string)(await CallAsync(appId, TokenMethod, new() { ["grant_type"] = "authorization_code", ["code"] = await GrantedCodeAsync(appId, scope) },
            "alipay_system_oauth_token_response"))["access_token"]!;

    /// <summary>The common parameters and the method's, signed as Alipay's SDKs sign: every non-empty parameter but
    /// sign, sorted, as k=v joined with &amp;, SHA256withRSA (PKCS#1 v1.5) over its UTF-8 bytes.</summary>
    private Dictionary<string, string> Signed(string appId, string method, Dictionary<string, string> fields, RSA? signer = null, (string Name, string? Value)? change = null)
    {
        var all = new Dictionary<string, string>(fields)
        {
            ["app_id"] = appId, ["method"] = method, ["charset"] = "utf-8", ["sign_type"] = "RSA2", ["version"] = "1.0",
            ["timestamp"] = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        };
        if (change is { } c && c.Value is { } value)
        {
            all[c.Name] = value;
        }
        else if (change is { } removed)
        {
            all.Remove(removed.Name);
        }

        var content = string.Join('&', all.Where(p => p.Value.Length > 0).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        all["sign"] = Convert.ToBase64String((signer ?? _appKey).SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        if (change is { Name: "sign", Value: null })
        {
            all.Remove("sign");
        }

        return all;
    }

    private Task<JsonObject> CallAsync(string appId, string method, Dictionary<string, string> fields, string node, RSA? signer = null)
    {
        // As Alipay's SDKs send it: the common parameters in the query string, the method's in the form body.
        var signed = Signed(appId, method, fields, signer);
        var query = string.Join('&', signed.Where(p => !fields.ContainsKey(p.Key) || p.Key == "auth_token").Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
        var body = new FormUrlEncodedContent(signed.Where(p => fields.ContainsKey(p.Key) && p.Key != "auth_token"));
        return SendAsync(body, node, query);
    }

    private async Task<JsonObject> SendAsync(HttpContent content, string node, string? query = null)
    {
        using var client = _host.CreateClient();
        var response = await client.PostAsync(Gateway + (query is null ? string.Empty : "?" + query), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return VerifiedNode(await response.Content.ReadAsStringAsync(), node);
    }

    /// <summary>The response node, after checking the host's signature over its exact text as Alipay's SDKs do.</summary>
    private JsonObject VerifiedNode(string text, string node)
    {
        var document = JsonNode.Parse(text)!.AsObject();
        var start = text.IndexOf("\"" + node + "\":", StringComparison.Ordinal) + node.Length + 3;
        var end = text.LastIndexOf(",\"sign\":", StringComparison.Ordinal);
        Assert.True(start > node.Length + 2 && end > start, text);
        var signature = Convert.FromBase64String((string)document["sign"]!);
        Assert.True(_hostKey.VerifyData(Encoding.UTF8.GetBytes(text[start..end]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "The host's signature does not verify: " + text);
        return document[node]!.AsObject();
    }

    private sealed class Scripted : IZhimaCreditProvider
    {
        public List<ZhimaCreditRequest> Requests { get; } = [];

        public ValueTask<ZhimaCreditBrief> GetScoreBriefAsync(ZhimaCreditRequest request, CancellationToken cancellationToken = default)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            return new(new ZhimaCreditBrief(IsAdmittance: true, BizNo: "biz-1"));
        }
    }
}
