using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>zhima.credit.score.brief.get: the app's server calls it with the access token of an auth_zhima code's exchange.</summary>
public sealed class ZhimaTests : IAsyncLifetime
{
    private const string Method = "/api/v1/exchange/alipay/zhima.credit.score.brief.get";
    private readonly ScriptedZhima _zhima = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestHost _host = null!;

    public ValueTask InitializeAsync()
    {
        _host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "1000" }, services => services
            .AddSingleton<IZhimaCreditProvider>(_zhima)
            .AddSingleton<TimeProvider>(_time));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ScoreBrief_TokenOfAnAuthZhimaCode_AnswersTheProvidersVerdictInAlipaysShape()
    {
        var (appId, secret, token, userId) = await GrantedTokenAsync(_host);

        var response = await CallAsync(_host, appId, secret, token, admittanceScore: 600);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await Json(response))["zhima_credit_score_brief_get_response"]!;
        Assert.Equal("10000", (string)body["code"]!);
        Assert.Equal("Success", (string)body["msg"]!);
        Assert.Equal("Y", (string)body["is_admittance"]!);
        Assert.Equal("biz-1", (string)body["biz_no"]!);
        Assert.Equal(new ZhimaCreditRequest(appId, userId, "tx-1", "w1010100000000002733", 600), Assert.Single(_zhima.Requests));
    }

    [Fact]
    public async Task ScoreBrief_WrongOrOtherAppsToken_IsRefusedAsAnInvalidAuthToken()
    {
        var (appId, secret, token, _) = await GrantedTokenAsync(_host);
        var (otherId, otherSecret) = await _host.CreateAppAsync(Platform.Alipay);

        var wrong = await CallAsync(_host, appId, secret, token + "x", 600);
        var otherApp = await CallAsync(_host, otherId, otherSecret, token, 600);

        foreach (var response in new[] { wrong, otherApp })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var body = (await Json(response))["zhima_credit_score_brief_get_response"]!;
            Assert.Equal("20001", (string)body["code"]!);
            Assert.Equal("aop.invalid-auth-token", (string)body["sub_code"]!);
        }

        Assert.Empty(_zhima.Requests);
    }

    [Fact]
    public async Task ScoreBrief_TokenPastItsExpiresIn_IsRefusedAsTimedOut()
    {
        var (appId, secret, token, _) = await GrantedTokenAsync(_host);

        _time.Advance(TimeSpan.FromSeconds(1_296_000));
        var response = await CallAsync(_host, appId, secret, token, 600);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("aop.auth-token-time-out", (string)(await Json(response))["zhima_credit_score_brief_get_response"]!["sub_code"]!);
        Assert.Empty(_zhima.Requests);
    }

    [Fact]
    public async Task ScoreBrief_UserDidNotGrantAuthZhima_IsRefusedWithInsufficientUserPermissions()
    {
        // An auth_base code's token: the user never granted auth_zhima.
        var (appId, secret) = await _host.CreateAppAsync(Platform.Alipay);
        var userId = await _host.CreateUserAsync("bob");
        using var app = await _host.MiniAppAsync(appId, userId);
        var code = (string)(await Json(await PostJson(app, "/api/v1/authorize", new { scopes = new[] { "auth_base" } })))["authCode"]!;
        var token = await ExchangeAsync(_host, appId, secret, code);

        var response = await CallAsync(_host, appId, secret, token, 600);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = (await Json(response))["zhima_credit_score_brief_get_response"]!;
        Assert.Equal("40006", (string)body["code"]!);
        Assert.Equal("isv.insufficient-user-permissions", (string)body["sub_code"]!);
        Assert.Empty(_zhima.Requests);
    }

    [Fact]
    public async Task ScoreBrief_NoProviderRegistered_AnswersServiceUnavailableAndNoScore()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "1000" });
        var (appId, secret, token, _) = await GrantedTokenAsync(host);

        var response = await CallAsync(host, appId, secret, token, 600);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = (await Json(response))["zhima_credit_score_brief_get_response"]!.AsObject();
        Assert.Equal("20000", (string)body["code"]!);
        Assert.Equal("isp.unknow-error", (string)body["sub_code"]!);
        Assert.False(body.ContainsKey("is_admittance"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"transaction_id":"tx-1","product_code":"p"}""")]
    [InlineData("""{"transaction_id":"tx-1","product_code":"p","admittance_score":9999}""")]
    public async Task ScoreBrief_BadBizContent_IsRefusedAsAnInvalidParameter(string bizContent)
    {
        var (appId, secret, token, _) = await GrantedTokenAsync(_host);

        var response = await _host.CreateClient().PostAsync(Method, Form(appId, secret, token, bizContent));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("isv.invalid-parameter", (string)(await Json(response))["zhima_credit_score_brief_get_response"]!["sub_code"]!);
        Assert.Empty(_zhima.Requests);
    }

    [Fact]
    public async Task ScoreBrief_TokenInQueryString_IsRefusedBeforeAnythingIsRead()
    {
        var (appId, secret, token, _) = await GrantedTokenAsync(_host);

        var response = await _host.CreateClient().PostAsync($"{Method}?auth_token={Uri.EscapeDataString(token)}",
            Form(appId, secret, token, """{"transaction_id":"tx-1","product_code":"p","admittance_score":600}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("isv.invalid-parameter", (string)(await Json(response))["zhima_credit_score_brief_get_response"]!["sub_code"]!);
        Assert.Empty(_zhima.Requests);
    }

    /// <summary>An Alipay app, a user who granted auth_zhima in the consent dialog, and the token of that code's exchange.</summary>
    private static async Task<(string AppId, string Secret, string Token, string UserId)> GrantedTokenAsync(TestHost host)
    {
        var (appId, secret) = await host.CreateAppAsync(Platform.Alipay);
        var userId = await host.CreateUserAsync("alice");
        using var app = await host.MiniAppAsync(appId, userId);
        using var user = await host.UserAsync("alice");
        var call = PostJson(app, "/api/v1/authorize?wait=20", new { scopes = new[] { "auth_zhima" } });
        await AnswerAsync(user, (string)(await PendingConsentAsync(user))["id"]!, "allow");
        var code = (string)(await Json(await call))["authCode"]!;
        return (appId, secret, await ExchangeAsync(host, appId, secret, code), userId);
    }

    private static async Task<string> ExchangeAsync(TestHost host, string appId, string secret, string code)
    {
        using var server = host.CreateClient();
        var response = await server.PostAsync("/api/v1/exchange/alipay/oauth-token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["app_id"] = appId, ["app_secret"] = secret, ["grant_type"] = "authorization_code", ["code"] = code,
        }));
        return (string)(await Json(response))["alipay_system_oauth_token_response"]!["access_token"]!;
    }

    private static Task<HttpResponseMessage> CallAsync(TestHost host, string appId, string secret, string token, int admittanceScore) =>
        host.CreateClient().PostAsync(Method, Form(appId, secret, token,
            new JsonObject { ["transaction_id"] = "tx-1", ["product_code"] = "w1010100000000002733", ["admittance_score"] = admittanceScore }.ToJsonString()));

    private static FormUrlEncodedContent Form(string appId, string secret, string token, string bizContent) => new(new Dictionary<string, string>
    {
        ["app_id"] = appId, ["app_secret"] = secret, ["auth_token"] = token, ["biz_content"] = bizContent,
    });

    private sealed class ScriptedZhima : IZhimaCreditProvider
    {
        public List<ZhimaCreditRequest> Requests { get; } = [];

        public ValueTask<ZhimaCreditBrief> GetScoreBriefAsync(ZhimaCreditRequest request, CancellationToken cancellationToken = default)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }

            return new(new ZhimaCreditBrief(IsAdmittance: true, BizNo: "biz-" + Requests.Count));
        }
    }
}
