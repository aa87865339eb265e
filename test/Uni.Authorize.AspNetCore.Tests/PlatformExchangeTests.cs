using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>ByteDance's jscode2session, Baidu's getSessionKeyByCode and Kuaishou's code2session against the code rules.</summary>
public sealed class PlatformExchangeTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly TestHost _host;
    private HttpClient _server = null!;
    private string _userId = null!;

    public PlatformExchangeTests() =>
        _host = new(new() { ["Host:ExchangePermitLimit"] = "1000" }, services => services.AddSingleton<TimeProvider>(_time));

    public static TheoryData<string> Platforms => new() { "bytedance", "baidu", "kuaishou" };

    public async ValueTask InitializeAsync()
    {
        _server = _host.CreateClient();
        _userId = await _host.CreateUserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_LoginCode_AnswersAPerAppOpenIdAndASessionKey(string platform)
    {
        var first = await NewAppAsync(platform);
        var second = await NewAppAsync(platform);

        var a = await Json(await first.ExchangeAsync(await first.LoginAsync()));
        var b = await Json(await second.ExchangeAsync(await second.LoginAsync()));
        var again = await Json(await first.ExchangeAsync(await first.LoginAsync()));

        Assert.Equal(0, first.Error(a));
        Assert.NotEqual(first.OpenId(a), second.OpenId(b));
        Assert.Equal(first.OpenId(a), first.OpenId(again));
        Assert.Equal(platform == "baidu" ? 24 : 16, Convert.FromBase64String(first.SessionKey(a)).Length);
        Assert.NotEqual(first.SessionKey(a), first.SessionKey(again));
        Assert.DoesNotContain(_userId, a.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_SecondLogin_KeepsTheLatestSessionKeyForTheAppAndUser(string platform)
    {
        var app = await NewAppAsync(platform);
        var first = await Json(await app.ExchangeAsync(await app.LoginAsync()));
        var second = await Json(await app.ExchangeAsync(await app.LoginAsync()));

        var kept = await SecretBound.SessionKeyAsync(_host.Services.GetRequiredService<ProtectedIdentityStore>(), app.Id, _userId, TestContext.Current.CancellationToken);
        var stored = await _host.Services.GetRequiredService<IIdentityStore>().GetSessionKeyAsync(app.Id, _userId, TestContext.Current.CancellationToken);

        Assert.NotEqual(app.SessionKey(first), app.SessionKey(second));
        Assert.Equal(app.SessionKey(second), kept);
        Assert.DoesNotContain(app.SessionKey(second), stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByteDanceJsCode2Session_TwoApps_ShareTheUnionIdAndAnswerTheDocumentedShape()
    {
        var first = await NewAppAsync("bytedance");
        var second = await NewAppAsync("bytedance");

        var a = await Json(await first.ExchangeAsync(await first.LoginAsync()));
        var b = await Json(await second.ExchangeAsync(await second.LoginAsync()));

        Assert.Equal("success", (string)a["err_tips"]!);
        Assert.Equal(["anonymous_openid", "openid", "session_key", "unionid"], a["data"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.StartsWith("_000", (string)a["data"]!["openid"]!, StringComparison.Ordinal);
        Assert.Equal(string.Empty, (string)a["data"]!["anonymous_openid"]!);
        Assert.Equal((string)a["data"]!["unionid"]!, (string)b["data"]!["unionid"]!);
    }

    [Fact]
    public async Task ByteDanceJsCode2Session_AnonymousCode_AnswersOnlyAnAnonymousOpenId()
    {
        var app = await NewAppAsync("bytedance");
        var login = await Json(await app.Client.PostAsync("/api/v1/login", null));

        var response = await _server.PostAsJsonAsync("/api/v1/exchange/bytedance/jscode2session",
            new { appid = app.Id, secret = app.Secret, anonymous_code = (string)login["anonymousCode"]! });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = (await Json(response))["data"]!;
        Assert.StartsWith("_000", (string)data["anonymous_openid"]!, StringComparison.Ordinal);
        Assert.Equal(string.Empty, (string)data["openid"]!);
        Assert.Equal(string.Empty, (string)data["session_key"]!);
        Assert.Equal(HttpStatusCode.OK, (await app.ExchangeAsync((string)login["code"]!)).StatusCode);
    }

    [Fact]
    public async Task ByteDanceJsCode2Session_BothCodes_AnswerBothOpenIds()
    {
        var app = await NewAppAsync("bytedance");
        var login = await Json(await app.Client.PostAsync("/api/v1/login", null));

        var response = await _server.PostAsJsonAsync("/api/v1/exchange/bytedance/jscode2session",
            new { appid = app.Id, secret = app.Secret, code = (string)login["code"]!, anonymous_code = (string)login["anonymousCode"]! });

        var data = (await Json(response))["data"]!;
        Assert.NotEqual(string.Empty, (string)data["openid"]!);
        Assert.NotEqual(string.Empty, (string)data["anonymous_openid"]!);
        Assert.NotEqual((string)data["openid"]!, (string)data["anonymous_openid"]!);
    }

    [Fact]
    public async Task ByteDanceJsCode2Session_LoginCodeAsAnonymousCode_IsRefusedWith40019AndUsedUp()
    {
        var app = await NewAppAsync("bytedance");
        var code = await app.LoginAsync();

        var response = await _server.PostAsJsonAsync("/api/v1/exchange/bytedance/jscode2session", new { appid = app.Id, secret = app.Secret, anonymous_code = code });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(40019, (int)(await Json(response))["err_no"]!);
        Assert.Equal(40018, app.Error(await Json(await app.ExchangeAsync(code))));
    }

    [Fact]
    public async Task ByteDanceJsCode2Session_NeitherCode_IsRefusedWith40014()
    {
        var app = await NewAppAsync("bytedance");

        var response = await _server.PostAsJsonAsync("/api/v1/exchange/bytedance/jscode2session", new { appid = app.Id, secret = app.Secret, code = "" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(40014, (int)(await Json(response))["err_no"]!);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_CodeUsedTwice_SecondIsRefusedWithThePlatformsCode(string platform)
    {
        var app = await NewAppAsync(platform);
        var code = await app.LoginAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.ExchangeAsync(code)).StatusCode);

        var response = await app.ExchangeAsync(code);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(app.InvalidCode, app.Error(await Json(response)));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_HundredConcurrentRacers_ExactlyOneWins(string platform)
    {
        var app = await NewAppAsync(platform);
        var code = await app.LoginAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => app.ExchangeAsync(code))).WaitAsync(Patience);

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            Assert.Equal(HttpStatusCode.BadRequest, loser.StatusCode);
            Assert.Equal(app.InvalidCode, app.Error(await Json(loser)));
        }
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_AnotherAppsCode_IsRefusedAndItsOwnAppStillRedeemsIt(string platform)
    {
        var owner = await NewAppAsync(platform);
        var other = await NewAppAsync(platform);
        var code = await owner.LoginAsync();

        var response = await other.ExchangeAsync(code);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(other.InvalidCode, other.Error(await Json(response)));
        Assert.Equal(0, owner.Error(await Json(await owner.ExchangeAsync(code))));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_WrongSecret_IsRefusedAndKeepsTheCode(string platform)
    {
        var app = await NewAppAsync(platform);
        var code = await app.LoginAsync();

        var response = await app.ExchangeAsync(code, app.Secret[..^1] + (app.Secret[^1] == 'A' ? 'B' : 'A'));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(app.WrongSecret, app.Error(await Json(response)));
        Assert.Equal(HttpStatusCode.OK, (await app.ExchangeAsync(code)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_AppOfAnotherPlatform_IsRefusedAsWrongCredentials(string platform)
    {
        var (wechatId, wechatSecret) = await _host.CreateAppAsync(Platform.WeChat);
        using var wechat = await _host.MiniAppAsync(wechatId, _userId);
        var app = await NewAppAsync(platform);
        var code = (string)(await Json(await wechat.PostAsync("/api/v1/login", null)))["code"]!;

        var response = await (app with { Id = wechatId }).ExchangeAsync(code, wechatSecret);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(app.WrongSecret, app.Error(await Json(response)));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_ExpiredCode_IsRefusedWithThePlatformsCode(string platform)
    {
        var app = await NewAppAsync(platform);
        var code = await app.LoginAsync();

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var response = await app.ExchangeAsync(code);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(app.InvalidCode, app.Error(await Json(response)));
    }

    [Theory]
    [InlineData("bytedance", "secret")]
    [InlineData("baidu", "sk")]
    [InlineData("baidu", "SK")]
    [InlineData("kuaishou", "app_secret")]
    public async Task Exchange_SecretInQueryString_IsRefusedAndKeepsTheCode(string platform, string key)
    {
        var app = await NewAppAsync(platform);
        var code = await app.LoginAsync();

        var response = await app.ExchangeAsync(code, query: $"?{key}={Uri.EscapeDataString(app.Secret)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await Json(response);
        Assert.Equal(app.BadRequest, app.Error(error));
        Assert.Contains("query string", error.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(app.Secret, error.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await app.ExchangeAsync(code)).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_NoCode_IsRefusedWithThePlatformsBadRequest(string platform)
    {
        var app = await NewAppAsync(platform);

        var response = await _server.PostAsync(app.Path, new FormUrlEncodedContent(new Dictionary<string, string> { ["appid"] = app.Id }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(app.BadRequest, app.Error(await Json(response)));
    }

    [Theory]
    [MemberData(nameof(Platforms))]
    public async Task Exchange_OverTheRateLimit_Answers429(string platform)
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "2" });
        using var server = host.CreateClient();
        var path = Exchanger.PathOf(platform);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await server.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["appid"] = "x" }))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    private async Task<Exchanger> NewAppAsync(string platform)
    {
        Assert.True(PlatformNames.TryParse(platform, out var parsed));
        var (id, secret) = await _host.CreateAppAsync(parsed);
        return new Exchanger(platform, id, secret, await _host.MiniAppAsync(id, _userId), _server);
    }

    /// <summary>One app of a platform: its mini-app client, and its server's exchange in the platform's shape.</summary>
    private sealed record Exchanger(string Platform, string Id, string Secret, HttpClient Client, HttpClient Server)
    {
        public string Path => PathOf(Platform);

        public int InvalidCode => Platform switch { "bytedance" => 40018, "baidu" => 10010102, _ => 240001 };

        public int WrongSecret => Platform switch { "bytedance" => 40017, "baidu" => 10010101, _ => 100200101 };

        public int BadRequest => Platform switch { "bytedance" => 40014, "baidu" => 10010100, _ => 100200100 };

        public static string PathOf(string platform) => platform switch
        {
            "bytedance" => "/api/v1/exchange/bytedance/jscode2session",
            "baidu" => "/api/v1/exchange/baidu/getsessionkeybycode",
            _ => "/api/v1/exchange/kuaishou/code2session",
        };

        public async Task<string> LoginAsync() => (string)(await Json(await Client.PostAsync("/api/v1/login", null)))["code"]!;

        public Task<HttpResponseMessage> ExchangeAsync(string code, string? secret = null, string query = "")
        {
            secret ??= Secret;
            return Platform switch
            {
                "bytedance" => Server.PostAsJsonAsync(Path + query, new { appid = Id, secret, code }),
                "baidu" => Server.PostAsync(Path + query, Form(("code", code), ("client_id", Id), ("sk", secret))),
                _ => Server.PostAsync(Path + query, Form(("app_id", Id), ("app_secret", secret), ("js_code", code))),
            };
        }

        /// <summary>The platform's error number: 0 on success.</summary>
        public int Error(JsonObject body) => Platform switch
        {
            "bytedance" => (int)body["err_no"]!,
            "baidu" => body["errno"] is { } errno ? (int)errno : 0,
            _ => (int)body["result"]! == 1 ? 0 : (int)body["result"]!,
        };

        public string OpenId(JsonObject body) => Platform switch
        {
            "bytedance" => (string)body["data"]!["openid"]!,
            "baidu" => (string)body["openid"]!,
            _ => (string)body["open_id"]!,
        };

        public string SessionKey(JsonObject body) =>
            Platform == "bytedance" ? (string)body["data"]!["session_key"]! : (string)body["session_key"]!;

        private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
            new(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));
    }
}
