using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

#pragma warning disable CA5350 // The platforms' signature is SHA-1: the test checks it as an app server does.

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>User info as each platform hands it to a mini-app, checked the way the app's server checks
/// them: with the session key its code exchange returned.</summary>
public sealed class UserInfoTests : IAsyncLifetime
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

    [Theory]
    [InlineData("getUserProfile", false)]
    [InlineData("getUserInfo", true)]
    public async Task Data_WeChatUserInfoAfterCodeExchange_AppServerChecksTheSignatureAndDecryptsTheWatermark(string api, bool sealsIds)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var session = await WeChatExchangeAsync(app, appId, secret);

        var native = await DataAsync(app, api, new { });

        var rawData = (string)native["rawData"]!;
        var sessionKey = (string)session["session_key"]!;
        Assert.Equal("微信用户", (string)native["userInfo"]!["nickName"]!);
        Assert.Equal(native["userInfo"]!.ToJsonString(), JsonNode.Parse(rawData)!.ToJsonString());
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + sessionKey))), (string)native["signature"]!);
        var data = Decrypt(native, sessionKey);
        Assert.Equal(appId, (string)data["watermark"]!["appid"]!);
        Assert.InRange((long)data["watermark"]!["timestamp"]!, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (sealsIds)
        {
            Assert.Equal((string)session["openid"]!, (string)data["openId"]!);
            Assert.Equal((string)session["unionid"]!, (string)data["unionId"]!);
        }
        else
        {
            // getUserProfile's sealed data has carried no ids since 2022: the app's server takes them from jscode2session.
            Assert.False(data.ContainsKey("openId"));
            Assert.False(data.ContainsKey("unionId"));
        }

        Assert.Equal("微信用户", (string)data["nickName"]!);
    }

    [Fact]
    public async Task Data_WeChatSecondExchange_OnlyTheNewSessionKeyChecksOut()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var first = (string)(await WeChatExchangeAsync(app, appId, secret))["session_key"]!;
        var second = (string)(await WeChatExchangeAsync(app, appId, secret))["session_key"]!;

        var native = await DataAsync(app, "getUserProfile", new { });

        var rawData = (string)native["rawData"]!;
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + second))), (string)native["signature"]!);
        Assert.NotEqual(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + first))), (string)native["signature"]!);
    }

    [Fact]
    public async Task Data_WeChatBeforeAnyCodeExchange_SucceedsWithTheSessionsOwnKeyThatTheLoginThenReplaces()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);

        var before = await DataAsync(app, "getUserProfile", new { });
        var again = await DataAsync(app, "getUserProfile", new { });
        var withoutCredentials = await DataAsync(app, "getUserInfo", new { withCredentials = false });
        var sessionKey = (string)(await WeChatExchangeAsync(app, appId, secret))["session_key"]!;
        var after = await DataAsync(app, "getUserProfile", new { });

        Assert.Equal("微信用户", (string)before["userInfo"]!["nickName"]!);
        Assert.Equal((string)before["signature"]!, (string)again["signature"]!);
        Assert.Equal("微信用户", (string)withoutCredentials["userInfo"]!["nickName"]!);
        Assert.Null(withoutCredentials["signature"]);
        var rawData = (string)after["rawData"]!;
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + sessionKey))), (string)after["signature"]!);
        Assert.NotEqual((string)before["signature"]!, (string)after["signature"]!);
        Assert.Equal(appId, (string)Decrypt(after, sessionKey)["watermark"]!["appid"]!);
    }

    [Fact]
    public async Task Data_ByteDanceBeforeAnyCodeExchange_StillFailsWithPleaseLogin()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.ByteDance);
        using var app = await _host.MiniAppAsync(appId, _userId);
        await GrantAsync(appId, "scope.userInfo", Platform.ByteDance);

        var answer = await Json(await app.PostAsJsonAsync("/api/v1/apis/getUserInfo/data", new { }));

        Assert.Equal("fail", (string)answer["status"]!);
        Assert.Equal("getUserInfo:fail please login", (string)answer["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task Data_WeRunDataNotGranted_IsRefusedWith403()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        await WeChatExchangeAsync(app, appId, secret);

        var response = await app.PostAsJsonAsync("/api/v1/apis/getWeRunData/data", new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("not_granted", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Data_AlipayGetOpenUserInfoGranted_AnswersTheResponseStringFromTheHostProfile()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.Alipay);
        using var app = await _host.MiniAppAsync(appId, _userId);
        await SetProfileAsync("小明", "https://example.com/a.png");
        await GrantAsync(appId, "scope.userInfo", Platform.Alipay);

        var native = await DataAsync(app, "getOpenUserInfo", new { });

        Assert.Equal("""{"response":{"code":"10000","msg":"Success","nickName":"小明","avatar":"https://example.com/a.png"}}""", (string)native["response"]!);
    }

    [Fact]
    public async Task Data_ByteDanceGetUserInfoGranted_HostProfileSignedWithTheSessionKey()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.ByteDance);
        using var app = await _host.MiniAppAsync(appId, _userId);
        await SetProfileAsync("小明", null);
        await GrantAsync(appId, "scope.userInfo", Platform.ByteDance);
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;
        var session = (await Json(await _server.PostAsJsonAsync("/api/v1/exchange/bytedance/jscode2session", new { appid = appId, secret, code })))["data"]!;

        var native = await DataAsync(app, "getUserInfo", new { });

        var sessionKey = (string)session["session_key"]!;
        Assert.Equal("小明", (string)native["userInfo"]!["nickName"]!);
        Assert.Equal(string.Empty, (string)native["userInfo"]!["avatarUrl"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes((string)native["rawData"]! + sessionKey))), (string)native["signature"]!);
        Assert.Equal((string)session["openid"]!, (string)Decrypt(native, sessionKey)["openId"]!);
    }

    [Fact]
    public async Task Data_KuaishouGetUserInfoWithoutProfile_AnswersTheSignInName()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.Kuaishou);
        using var app = await _host.MiniAppAsync(appId, _userId);
        await GrantAsync(appId, "scope.userInfo", Platform.Kuaishou);

        var native = await DataAsync(app, "getUserInfo", new { });

        Assert.Equal("alice", (string)native["userInfo"]!["nickName"]!);
        Assert.Null(native["encryptedData"]);
    }

    [Fact]
    public async Task Data_ByteDanceUserInfoNotGranted_IsRefusedWith403()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.ByteDance);
        using var app = await _host.MiniAppAsync(appId, _userId);

        var response = await app.PostAsJsonAsync("/api/v1/apis/getUserInfo/data", new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Data_WeChatAppWithAPrivacyContractNotAgreed_IsRefusedWith403()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        await WeChatExchangeAsync(app, appId, secret);
        using var admin = _host.Admin();
        Assert.Equal(HttpStatusCode.OK,
            (await admin.PutAsJsonAsync($"/admin/v1/apps/{appId}/privacy-contract", new { name = "《隐私保护指引》", url = "/privacy.html" })).StatusCode);

        var response = await app.PostAsJsonAsync("/api/v1/apis/getUserProfile/data", new { });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("privacy_not_agreed", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Data_ApiWithoutHostData_IsRefusedWith404()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.Baidu);
        using var app = await _host.MiniAppAsync(appId, _userId);

        var response = await app.PostAsJsonAsync("/api/v1/apis/getLocation/data", new { });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_api", (string)(await Json(response))["code"]!);
    }

    private async Task<JsonObject> WeChatExchangeAsync(HttpClient app, string appId, string secret)
    {
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;
        var response = await _server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    private static async Task<JsonObject> DataAsync(HttpClient app, string api, object body)
    {
        var response = await app.PostAsJsonAsync($"/api/v1/apis/{api}/data", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await Json(response);
        Assert.Equal("ok", (string)answer["status"]!);
        return answer["native"]!.AsObject();
    }

    // What an app server does with encryptedData: AES-128-CBC, PKCS#7, key = base64-decoded session_key.
    private static JsonObject Decrypt(JsonObject native, string sessionKey)
    {
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        var plain = aes.DecryptCbc(Convert.FromBase64String((string)native["encryptedData"]!), Convert.FromBase64String((string)native["iv"]!), PaddingMode.PKCS7);
        return JsonNode.Parse(Encoding.UTF8.GetString(plain))!.AsObject();
    }

    private async Task GrantAsync(string appId, string scope, Platform platform) =>
        await new DecisionManager(_host.Services.GetRequiredService<Authorizer>()).SetDecisionAsync(
            new Subject(appId, _userId), scope, DecisionState.Granted, DecisionSource.Prompt, platform, TestContext.Current.CancellationToken);

    private async Task SetProfileAsync(string nickName, string? avatarUrl)
    {
        using var admin = _host.Admin();
        var response = await admin.PutAsJsonAsync($"/admin/v1/users/{_userId}/profile", new { nickName, avatarUrl });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
