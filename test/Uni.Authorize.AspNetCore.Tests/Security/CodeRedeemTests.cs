using System.Net;
using System.Net.Http.Json;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>Boundary: a login or auth code is redeemed only by the app it was issued to. Another app's credentials,
/// of the same platform or another, neither redeem it nor use it up (the stores redeem with <c>AND app_id = …</c>).</summary>
public sealed class CodeRedeemTests : IAsyncLifetime
{
    private readonly TestHost _host = new(new() { ["Host:ExchangePermitLimit"] = "1000" });
    private HttpClient _server = null!;
    private string _userId = null!;

    public async ValueTask InitializeAsync()
    {
        _server = _host.CreateClient();
        _userId = await _host.CreateUserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ByteDanceJsCode2Session_AWeChatAppsCode_IsRefusedAndTheWeChatAppStillRedeemsIt()
    {
        var (wechatId, wechatSecret) = await _host.CreateAppAsync(Platform.WeChat);
        var (byteDanceId, byteDanceSecret) = await _host.CreateAppAsync(Platform.ByteDance);
        using var wechat = await _host.MiniAppAsync(wechatId, _userId);
        var code = await LoginAsync(wechat);

        var burn = await _server.PostAsJsonAsync("/api/v1/exchange/bytedance/jscode2session", new { appid = byteDanceId, secret = byteDanceSecret, code });
        var owner = await WeChatAsync(wechatId, wechatSecret, code);

        Assert.Equal(HttpStatusCode.BadRequest, burn.StatusCode);
        Assert.Equal(40018, (int)(await Json(burn))["err_no"]!);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        Assert.StartsWith("o", (string)(await Json(owner))["openid"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WeChatJsCode2Session_AnotherWeChatAppsCredentials_AreRefusedAndTheOwnerRedeemsOnce()
    {
        var (ownerId, ownerSecret) = await _host.CreateAppAsync(Platform.WeChat);
        var (otherId, otherSecret) = await _host.CreateAppAsync(Platform.WeChat);
        using var owner = await _host.MiniAppAsync(ownerId, _userId);
        var code = await LoginAsync(owner);

        var attempts = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            attempts.Add(await WeChatAsync(otherId, otherSecret, code));
        }

        var first = await WeChatAsync(ownerId, ownerSecret, code);
        var second = await WeChatAsync(ownerId, ownerSecret, code);

        Assert.All(attempts, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(40029, (int)(await Json(attempts[0]))["errcode"]!);
        Assert.NotNull((await Json(first))["session_key"]);
        Assert.Equal(40163, (int)(await Json(second))["errcode"]!);
    }

    [Fact]
    public async Task AlipayOAuthToken_AnotherAlipayAppsCredentials_AreRefusedAndTheOwnerStillGetsItsToken()
    {
        var (ownerId, ownerSecret) = await _host.CreateAppAsync(Platform.Alipay);
        var (otherId, otherSecret) = await _host.CreateAppAsync(Platform.Alipay);
        using var owner = await _host.MiniAppAsync(ownerId, _userId);
        var code = (string)(await Json(await PostJson(owner, "/api/v1/authorize", new { scopes = new[] { "auth_base" } })))["authCode"]!;

        var burn = await AlipayAsync(otherId, otherSecret, code);
        var token = await AlipayAsync(ownerId, ownerSecret, code);

        Assert.Equal(HttpStatusCode.BadRequest, burn.StatusCode);
        Assert.Equal("isv.code-invalid", (string)(await Json(burn))["error_response"]!["sub_code"]!);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Matches("^2088[0-9]{12}$", (string)(await Json(token))["alipay_system_oauth_token_response"]!["user_id"]!);
    }

    private static async Task<string> LoginAsync(HttpClient app) => (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;

    private Task<HttpResponseMessage> WeChatAsync(string appId, string secret, string code) =>
        _server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));

    private Task<HttpResponseMessage> AlipayAsync(string appId, string secret, string code) =>
        _server.PostAsync("/api/v1/exchange/alipay/oauth-token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["app_id"] = appId, ["app_secret"] = secret, ["grant_type"] = "authorization_code", ["code"] = code,
        }));
}
