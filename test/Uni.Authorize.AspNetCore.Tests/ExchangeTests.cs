using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class ExchangeTests : IAsyncLifetime
{
    private readonly TestHost _host = new(new() { ["Host:ExchangePermitLimit"] = "1000" });
    private string _appId = null!;
    private string _secret = null!;
    private string _userId = null!;
    private HttpClient _app = null!;
    private HttpClient _server = null!;

    public async ValueTask InitializeAsync()
    {
        (_appId, _secret) = await _host.CreateAppAsync(Platform.WeChat);
        _userId = await _host.CreateUserAsync("alice");
        _app = await _host.MiniAppAsync(_appId, _userId);
        _server = _host.CreateClient();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task JsCode2Session_LoginCode_AnswersAPerAppOpenIdAndASharedUnionId()
    {
        var (otherId, otherSecret) = await _host.CreateAppAsync(Platform.WeChat);
        using var other = await _host.MiniAppAsync(otherId, _userId);

        var first = await Json(await ExchangeAsync(_appId, _secret, await LoginAsync(_app)));
        var second = await Json(await ExchangeAsync(otherId, otherSecret, await LoginAsync(other)));
        var again = await Json(await ExchangeAsync(_appId, _secret, await LoginAsync(_app)));

        Assert.Equal(0, (int)first["errcode"]!);
        Assert.Equal(28, ((string)first["openid"]!).Length);
        Assert.NotEqual((string)first["openid"]!, (string)second["openid"]!);
        Assert.Equal((string)first["openid"]!, (string)again["openid"]!);
        Assert.Equal((string)first["unionid"]!, (string)second["unionid"]!);
        Assert.DoesNotContain(_userId, first.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsCode2Session_CodeUsedTwice_SecondIsRefusedWith40163()
    {
        var code = await LoginAsync(_app);
        Assert.Equal(HttpStatusCode.OK, (await ExchangeAsync(_appId, _secret, code)).StatusCode);

        var response = await ExchangeAsync(_appId, _secret, code);

        // WeChat answers every refusal with HTTP 200 and its errcode.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(40163, (int)(await Json(response))["errcode"]!);
    }

    [Fact]
    public async Task JsCode2Session_CodeConcurrentlyRedeemed_ExactlyOneSucceeds()
    {
        var code = await LoginAsync(_app);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ExchangeAsync(_appId, _secret, code))).WaitAsync(Patience);

        var answers = await Task.WhenAll(responses.Select(Json));
        Assert.Single(answers, a => a["session_key"] is not null);
        Assert.All(answers.Where(a => a["session_key"] is null), a => Assert.Equal(40163, (int)a["errcode"]!));
    }

    [Fact]
    public async Task JsCode2Session_AnotherAppsCode_IsRefusedWith40029()
    {
        var (otherId, otherSecret) = await _host.CreateAppAsync(Platform.WeChat);

        var response = await ExchangeAsync(otherId, otherSecret, await LoginAsync(_app));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(40029, (int)(await Json(response))["errcode"]!);
    }

    [Fact]
    public async Task JsCode2Session_WrongSecret_IsRefusedWith40125AndKeepsTheCode()
    {
        var code = await LoginAsync(_app);

        var response = await ExchangeAsync(_appId, _secret[..^1] + (_secret[^1] == 'A' ? 'B' : 'A'), code);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(40125, (int)(await Json(response))["errcode"]!);
        Assert.NotNull((await Json(await ExchangeAsync(_appId, _secret, code)))["session_key"]);
    }

    [Fact]
    public async Task JsCode2Session_ByteDanceAppsCode_IsRefusedWith40013AndKeepsTheCode()
    {
        var (byteDanceId, byteDanceSecret) = await _host.CreateAppAsync(Platform.ByteDance);
        using var byteDance = await _host.MiniAppAsync(byteDanceId, _userId);
        var code = await LoginAsync(byteDance);

        var response = await ExchangeAsync(byteDanceId, byteDanceSecret, code);

        // A ByteDance app is no WeChat app: WeChat's "invalid appid".
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(40013, (int)(await Json(response))["errcode"]!);
        var own = await _server.PostAsJsonAsync("/api/v1/exchange/bytedance/jscode2session", new { appid = byteDanceId, secret = byteDanceSecret, code });
        Assert.Equal(0, (int)(await Json(own))["err_no"]!);
    }

    [Fact]
    public async Task AlipayOAuthToken_WeChatAppsCode_IsRefusedWithInvalidAppSecretAndKeepsTheCode()
    {
        var code = await LoginAsync(_app);

        var response = await AlipayAsync(_appId, _secret, code);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("isv.invalid-app-secret", (string)(await Json(response))["error_response"]!["sub_code"]!);
        Assert.Equal(HttpStatusCode.OK, (await ExchangeAsync(_appId, _secret, code)).StatusCode);
    }

    [Fact]
    public async Task JsCode2Session_SecondLogin_KeepsTheLatestSessionKeyForTheAppAndUser()
    {
        var first = await Json(await ExchangeAsync(_appId, _secret, await LoginAsync(_app)));
        var second = await Json(await ExchangeAsync(_appId, _secret, await LoginAsync(_app)));

        var kept = await SecretBound.SessionKeyAsync(_host.Services.GetRequiredService<ProtectedIdentityStore>(), _appId, _userId, TestContext.Current.CancellationToken);
        var stored = await _host.Services.GetRequiredService<IIdentityStore>().GetSessionKeyAsync(_appId, _userId, TestContext.Current.CancellationToken);

        Assert.NotEqual((string)first["session_key"]!, (string)second["session_key"]!);
        Assert.Equal((string)second["session_key"]!, kept);
        Assert.DoesNotContain((string)second["session_key"]!, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsCode2Session_QueryStringAsWeChatSends_IsAccepted()
    {
        var code = await LoginAsync(_app);

        var response = await _server.PostAsync($"/api/v1/exchange/wechat/jscode2session?appid={_appId}&secret={Uri.EscapeDataString(_secret)}&js_code={code}&grant_type=authorization_code", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull((await Json(response))["session_key"]);
    }

    [Fact]
    public async Task AlipayOAuthToken_SecretInQueryString_IsRefusedWithInvalidParameter()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.Alipay);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = (string)(await Json(await PostJson(app, "/api/v1/authorize", new { scopes = new[] { "auth_base" } })))["authCode"]!;

        var response = await _server.PostAsync($"/api/v1/exchange/alipay/oauth-token?app_id={appId}&app_secret={secret}&grant_type=authorization_code&code={code}", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Json(response))["error_response"]!;
        Assert.Equal("40002", (string)error["code"]!);
        Assert.Equal("isv.invalid-parameter", (string)error["sub_code"]!);
        Assert.Equal(HttpStatusCode.OK, (await AlipayAsync(appId, secret, code)).StatusCode);
    }

    [Fact]
    public async Task AlipayOAuthToken_AuthBaseCode_AnswersA2088UserIdOnce()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.Alipay);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = (string)(await Json(await PostJson(app, "/api/v1/authorize", new { scopes = new[] { "auth_base" } })))["authCode"]!;

        var first = await AlipayAsync(appId, secret, code);
        var second = await AlipayAsync(appId, secret, code);

        var token = (await Json(first))["alipay_system_oauth_token_response"]!;
        Assert.Matches("^2088[0-9]{12}$", (string)token["user_id"]!);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("isv.code-invalid", (string)(await Json(second))["error_response"]!["sub_code"]!);
    }

    [Fact]
    public async Task AlipayOAuthToken_WrongGrantType_IsRefusedWithGrantTypeInvalid()
    {
        var response = await _server.PostAsync("/api/v1/exchange/alipay/oauth-token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["app_id"] = _appId, ["app_secret"] = _secret, ["grant_type"] = "refresh_token", ["code"] = "x",
        }));

        Assert.Equal("isv.grant-type-invalid", (string)(await Json(response))["error_response"]!["sub_code"]!);
    }

    [Fact]
    public async Task Exchange_OverTheRateLimit_AnswersWeChats45011()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "3" });
        using var server = host.CreateClient();
        var errcodes = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            var response = await server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string> { ["appid"] = "x" }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            errcodes.Add((int)(await Json(response))["errcode"]!);
        }

        Assert.Equal([41004, 41004, 41004, 45011, 45011], errcodes);
    }

    private static async Task<string> LoginAsync(HttpClient app) => (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;

    private Task<HttpResponseMessage> ExchangeAsync(string appId, string secret, string code) =>
        _server.PostAsync("/api/v1/exchange/wechat/jscode2session", Form(appId, secret, code));

    private static FormUrlEncodedContent Form(string appId, string secret, string code) => new(new Dictionary<string, string>
    {
        ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
    });

    private Task<HttpResponseMessage> AlipayAsync(string appId, string secret, string code) =>
        _server.PostAsync("/api/v1/exchange/alipay/oauth-token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["app_id"] = appId, ["app_secret"] = secret, ["grant_type"] = "authorization_code", ["code"] = code,
        }));
}
