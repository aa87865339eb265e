using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>App servers of ByteDance, Baidu and Kuaishou written the platforms' way, with <see cref="HttpClient"/>: only
/// the base URL points at the host. Their request libraries throw on a non-2xx status (as most SDKs' do), so every
/// answer, errors included, must come as HTTP 200 in the platform's own shape.</summary>
public sealed class PlatformServerTests : IAsyncLifetime
{
    private readonly TestHost _host = new(new() { ["Host:ExchangePermitLimit"] = "1000" });
    private string _userId = null!;

    public async ValueTask InitializeAsync() => _userId = await _host.CreateUserAsync("alice");

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("api/apps/v2/jscode2session")]
    [InlineData("apps/v2/jscode2session")]
    public async Task ByteDanceServer_Code2SessionV2_AnswersTheSessionInByteDancesShape(string path)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.ByteDance);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var login = await Json(await app.PostAsync("/api/v1/login", null));
        var server = new ByteDanceServer(Server("bytedance"), path);

        var answer = await server.Code2SessionAsync(appId, secret, (string)login["code"]!, (string)login["anonymousCode"]!);

        Assert.Equal(0, (int)answer["err_no"]!);
        Assert.Equal("success", (string)answer["err_tips"]!);
        Assert.False(string.IsNullOrEmpty((string?)answer["log_id"]));
        var data = answer["data"]!;
        Assert.Equal(16, Convert.FromBase64String((string)data["session_key"]!).Length);
        Assert.StartsWith("_000", (string)data["openid"]!, StringComparison.Ordinal);
        Assert.StartsWith("_000", (string)data["anonymous_openid"]!, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)data["unionid"]));
    }

    [Theory]
    [InlineData("no code", 40014)]
    [InlineData("secret in query", 40014)]
    [InlineData("invalid UTF-8", 40014)]
    [InlineData("wrong secret", 40017)]
    [InlineData("used code", 40018)]
    [InlineData("login code as anonymous_code", 40019)]
    public async Task ByteDanceServer_EveryError_AnswersHttp200WithItsErrNo(string error, int errNo)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.ByteDance);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;
        var server = new ByteDanceServer(Server("bytedance"));
        if (error == "used code")
        {
            Assert.Equal(0, (int)(await server.Code2SessionAsync(appId, secret, code, null))["err_no"]!);
        }

        var answer = error switch
        {
            "no code" => await server.Code2SessionAsync(appId, secret, "", null),
            "secret in query" => await server.PostAsync("?secret=" + secret, JsonContent.Create(new { appid = appId, secret, code })),
            "invalid UTF-8" => await server.PostAsync("", Raw([.. "{\"appid\":\""u8, 0xFF, 0xFE, 0xED, .. "\",\"code\":\"x\"}"u8], "application/json")),
            "wrong secret" => await server.Code2SessionAsync(appId, secret + "x", code, null),
            "used code" => await server.Code2SessionAsync(appId, secret, code, null),
            _ => await server.Code2SessionAsync(appId, secret, null, code),
        };

        Assert.Equal(errNo, (int)answer["err_no"]!);
        Assert.False(string.IsNullOrEmpty((string?)answer["err_tips"]));
        Assert.Null(answer["data"]);
    }

    [Theory]
    [InlineData("oauth/jscode2sessionkey")]
    [InlineData("nalogin/getSessionKeyByCode")]
    public async Task BaiduServer_GetSessionKeyByCode_AnswersA24ByteSessionKey(string path)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.Baidu);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var server = new BaiduServer(Server("baidu"), path);

        var answer = await server.GetSessionKeyByCodeAsync(appId, secret, (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!);

        Assert.Equal(["openid", "session_key"], answer.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(24, Convert.FromBase64String((string)answer["session_key"]!).Length);
    }

    [Theory]
    [InlineData("no code", 10010100, "parameter is invalid")]
    [InlineData("sk in query", 10010100, "parameter is invalid")]
    [InlineData("invalid UTF-8", 10010100, "parameter is invalid")]
    [InlineData("wrong sk", 10010101, "client is invalid")]
    [InlineData("used code", 10010102, "code is invalid")]
    public async Task BaiduServer_EveryError_AnswersHttp200WithBaidusErrnoShape(string error, int errno, string words)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.Baidu);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;
        var server = new BaiduServer(Server("baidu"));
        if (error == "used code")
        {
            Assert.NotNull((await server.GetSessionKeyByCodeAsync(appId, secret, code))["session_key"]);
        }

        var answer = error switch
        {
            "no code" => await server.GetSessionKeyByCodeAsync(appId, secret, ""),
            "sk in query" => await server.PostAsync("?sk=" + secret, Form(("code", code), ("client_id", appId))),
            "invalid UTF-8" => await server.PostAsync("", Raw([.. "code="u8, 0xC3, 0x28, .. "&client_id=x&sk=y"u8], "application/x-www-form-urlencoded")),
            "wrong sk" => await server.GetSessionKeyByCodeAsync(appId, secret + "x", code),
            _ => await server.GetSessionKeyByCodeAsync(appId, secret, code),
        };

        Assert.Equal(errno, (int)answer["errno"]!);
        Assert.Equal(words, (string)answer["error"]!);
        Assert.False(string.IsNullOrEmpty((string?)answer["error_description"]));
        Assert.Null(answer["session_key"]);
    }

    [Fact]
    public async Task BaiduServer_GetUserInfoData_DecryptsAsBaiduDocumentsWithAes192AndItsPaddingRule()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.Baidu);
        using var app = await _host.MiniAppAsync(appId, _userId);
        using (var admin = _host.Admin())
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/admin/v1/users/{_userId}/profile", new { nickName = "小度", avatarUrl = "https://example.com/d.png" })).StatusCode);
        }

        var server = new BaiduServer(Server("baidu"));
        var session = await server.GetSessionKeyByCodeAsync(appId, secret, (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!);
        await new DecisionManager(_host.Services.GetRequiredService<Authorizer>()).SetDecisionAsync(
            new Subject(appId, _userId), "scope.userInfo", DecisionState.Granted, DecisionSource.Prompt, Platform.Baidu, TestContext.Current.CancellationToken);

        // swan.getUserInfo's payload as the mini-app gets it, handed to the app's server.
        var response = await app.PostAsJsonAsync("/api/v1/apis/getUserInfo/data", new { });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var native = (await Json(response))["native"]!;
        var (content, paddedLength) = BaiduServer.Decrypt((string)native["data"]!, (string)native["iv"]!, appId, (string)session["session_key"]!);

        Assert.Equal(0, paddedLength % 32);
        var sealedData = JsonNode.Parse(content)!.AsObject();
        Assert.Equal(["openid", "nickname", "headimgurl", "sex"], sealedData.Select(p => p.Key));
        Assert.Equal((string)session["openid"]!, (string)sealedData["openid"]!);
        Assert.Equal("小度", (string)sealedData["nickname"]!);
        Assert.Equal("https://example.com/d.png", (string)sealedData["headimgurl"]!);
        Assert.Null(BaiduServer.TryDecrypt((string)native["data"]!, (string)native["iv"]!, appId + "-other", (string)session["session_key"]!));
    }

    [Fact]
    public async Task KuaishouServer_Code2Session_AnswersResultOneWithTheSession()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.Kuaishou);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var server = new KuaishouServer(Server("kuaishou"));

        var answer = await server.Code2SessionAsync(appId, secret, (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!);

        Assert.Equal(1, (int)answer["result"]!);
        Assert.Equal(16, Convert.FromBase64String((string)answer["session_key"]!).Length);
        Assert.False(string.IsNullOrEmpty((string?)answer["open_id"]));
    }

    [Theory]
    [InlineData("no code", 100200100)]
    [InlineData("secret in query", 100200100)]
    [InlineData("JSON body", 100200100)]
    [InlineData("wrong secret", 100200101)]
    [InlineData("used code", 240001)]
    public async Task KuaishouServer_EveryError_AnswersHttp200WithItsResultCode(string error, int result)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.Kuaishou);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;
        var server = new KuaishouServer(Server("kuaishou"));
        if (error == "used code")
        {
            Assert.Equal(1, (int)(await server.Code2SessionAsync(appId, secret, code))["result"]!);
        }

        var answer = error switch
        {
            "no code" => await server.Code2SessionAsync(appId, secret, ""),
            "secret in query" => await server.PostAsync("?app_secret=" + secret, Form(("app_id", appId), ("js_code", code))),
            "JSON body" => await server.PostAsync("", JsonContent.Create(new { app_id = appId, app_secret = secret, js_code = code })),
            "wrong secret" => await server.Code2SessionAsync(appId, secret + "x", code),
            _ => await server.Code2SessionAsync(appId, secret, code),
        };

        Assert.Equal(result, (int)answer["result"]!);
        Assert.False(string.IsNullOrEmpty((string?)answer["error_msg"]));
        Assert.Null(answer["session_key"]);
    }

    [Fact]
    public async Task PlatformServers_OverTheExchangeLimit_AnswerHttp200WithEachPlatformsCode()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "1" });
        var byteDance = new ByteDanceServer(Server(host, "bytedance"));
        var baidu = new BaiduServer(Server(host, "baidu"));
        var kuaishou = new KuaishouServer(Server(host, "kuaishou"));

        await byteDance.Code2SessionAsync("app", "s", "c", null);
        await baidu.GetSessionKeyByCodeAsync("app", "s", "c");
        await kuaishou.Code2SessionAsync("app", "s", "c");

        Assert.Equal(-1, (int)(await byteDance.Code2SessionAsync("app", "s", "c", null))["err_no"]!);
        Assert.Equal(10010103, (int)(await baidu.GetSessionKeyByCodeAsync("app", "s", "c"))["errno"]!);
        Assert.Equal(-1, (int)(await kuaishou.Code2SessionAsync("app", "s", "c"))["result"]!);
    }

    [Theory]
    [InlineData("/api/v1/exchange/bytedance/jscode2session")]
    [InlineData("/api/v1/exchange/baidu/getsessionkeybycode")]
    [InlineData("/api/v1/exchange/kuaishou/code2session")]
    public async Task EarlierPaths_StayAsAliasesWithTheirClientErrorStatus(string path)
    {
        using var client = _host.CreateClient();

        var response = await client.PostAsync(path, Form(("code", "")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private HttpClient Server(string platform) => Server(_host, platform);

    // What an SDK configured with the platform's base URL replaced by the host's prefix sends.
    private static HttpClient Server(TestHost host, string platform)
    {
        var client = host.CreateClient();
        client.BaseAddress = new Uri(client.BaseAddress!, $"/api/v1/exchange/{platform}/");
        return client;
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) => new(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static ByteArrayContent Raw(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    /// <summary>A server after Douyin's code2Session v2 document: POST JSON, read <c>err_no</c>.</summary>
    private sealed class ByteDanceServer(HttpClient http, string path = "api/apps/v2/jscode2session")
    {
        public Task<JsonObject> Code2SessionAsync(string appId, string secret, string? code, string? anonymousCode) =>
            PostAsync("", JsonContent.Create(new { appid = appId, secret, code = code ?? "", anonymous_code = anonymousCode ?? "" }));

        public async Task<JsonObject> PostAsync(string query, HttpContent content)
        {
            var response = await http.PostAsync(path + query, content);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        }
    }

    /// <summary>A server after Baidu's "Session Key" and open-data documents: POST a form, read <c>errno</c>; decrypt
    /// <c>data</c> with AES-192-CBC, no cipher padding, then strip Baidu's 1-to-32-byte pad and check the app key.</summary>
    private sealed class BaiduServer(HttpClient http, string path = "oauth/jscode2sessionkey")
    {
        public Task<JsonObject> GetSessionKeyByCodeAsync(string appKey, string secret, string code) =>
            PostAsync("", Form(("code", code), ("client_id", appKey), ("sk", secret)));

        public async Task<JsonObject> PostAsync(string query, HttpContent content)
        {
            var response = await http.PostAsync(path + query, content);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        }

        public static (string Content, int PaddedLength) Decrypt(string data, string iv, string appKey, string sessionKey) =>
            TryDecrypt(data, iv, appKey, sessionKey) ?? throw new CryptographicException("The app key at the end of the data is not this app's.");

        public static (string Content, int PaddedLength)? TryDecrypt(string data, string iv, string appKey, string sessionKey)
        {
            var key = Convert.FromBase64String(sessionKey);
            Assert.Equal(24, key.Length);
            using var aes = Aes.Create();
            aes.Key = key;
            var plain = aes.DecryptCbc(Convert.FromBase64String(data), Convert.FromBase64String(iv), PaddingMode.None);
            int pad = plain[^1];
            pad = pad is < 1 or > 32 ? 0 : pad;
            var unpadded = plain.AsSpan(0, plain.Length - pad)[16..];
            var length = BinaryPrimitives.ReadInt32BigEndian(unpadded);
            var content = Encoding.UTF8.GetString(unpadded.Slice(4, length));
            return Encoding.UTF8.GetString(unpadded[(4 + length)..]) == appKey ? (content, plain.Length) : null;
        }
    }

    /// <summary>A server after Kuaishou's code2Session document: POST a form, read <c>result</c> (1 is success).</summary>
    private sealed class KuaishouServer(HttpClient http)
    {
        public Task<JsonObject> Code2SessionAsync(string appId, string secret, string code) =>
            PostAsync("", Form(("app_id", appId), ("app_secret", secret), ("js_code", code)));

        public async Task<JsonObject> PostAsync(string query, HttpContent content)
        {
            var response = await http.PostAsync("oauth2/mp/code2session" + query, content);
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        }
    }
}
