using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

#pragma warning disable CA5350 // WeChat's signature is SHA-1: the test checks it as an app server does.

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>Boundary: WeChat's server API on WeChat's own paths. An app server written against WeChat (GET with the
/// secret in the query string, errcode in an HTTP 200 answer) works with only its base URL changed; the secret and the
/// access token are never logged; a getPhoneNumber code is asked for every time, used once, by its own app only, with
/// an access token of cgi-bin/token issued under the app's current secret.</summary>
public sealed class WeChatServerApiTests : IAsyncLifetime
{
    private const string Prefix = "/api/v1/exchange/wechat/";
    private readonly FakePhoneNumbers _numbers = new();
    private readonly CapturedLogs _logs = new();
    private readonly TestHost _host;
    private HttpClient _server = null!;
    private string _userId = null!;

    public WeChatServerApiTests() =>
        _host = new(new() { ["Host:ExchangePermitLimit"] = "1000", ["Logging:LogLevel:Default"] = "Trace", ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace" }, s =>
        {
            s.AddSingleton<IPhoneNumberProvider>(_numbers);
            s.AddSingleton<ILoggerProvider>(_logs);
        });

    public async ValueTask InitializeAsync()
    {
        _server = _host.CreateClient();
        _userId = await _host.CreateUserAsync("alice");
        _numbers.Numbers[_userId] = new PhoneNumberInfo("86", "13800138000");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task JsCode2Session_CommonWeChatServer_GetsTheSessionChecksTheSignatureAndDecryptsUserInfo()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = await LoginAsync(app);

        // What every WeChat SDK does: GET with query parameters, then read the JSON whatever the status.
        var session = await GetAsync($"sns/jscode2session?appid={appId}&secret={Uri.EscapeDataString(secret)}&js_code={code}&grant_type=authorization_code");
        var sessionKey = (string)session["session_key"]!;
        var native = (await Json(await app.PostAsJsonAsync("/api/v1/apis/getUserInfo/data", new { withCredentials = true })))["native"]!;
        var rawData = (string)native["rawData"]!;

        Assert.Equal(0, (int?)session["errcode"] ?? 0);
        Assert.StartsWith("o", (string)session["openid"]!, StringComparison.Ordinal);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + sessionKey))), (string)native["signature"]!);
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        Assert.Equal(16, aes.Key.Length);
        var plain = aes.DecryptCbc(Convert.FromBase64String((string)native["encryptedData"]!), Convert.FromBase64String((string)native["iv"]!), PaddingMode.PKCS7);
        var decrypted = JsonNode.Parse(plain)!;
        Assert.Equal(appId, (string)decrypted["watermark"]!["appid"]!);
        Assert.InRange((long)decrypted["watermark"]!["timestamp"]!, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task JsCode2Session_PostFormOnWeChatsPathAndTheOldAlias_BothRedeem()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);

        var onPath = await _server.PostAsync(Prefix + "sns/jscode2session", Form(appId, secret, await LoginAsync(app)));
        var onAlias = await _server.PostAsync(Prefix + "jscode2session", Form(appId, secret, await LoginAsync(app)));

        Assert.Equal(HttpStatusCode.OK, onPath.StatusCode);
        Assert.NotNull((await Json(onPath))["session_key"]);
        Assert.Equal(HttpStatusCode.OK, onAlias.StatusCode);
        Assert.NotNull((await Json(onAlias))["session_key"]);
    }

    [Theory]
    [InlineData("secret={secret}&js_code={code}&grant_type=authorization_code", 41002)]
    [InlineData("appid={app}&js_code={code}&grant_type=authorization_code", 41004)]
    [InlineData("appid={app}&secret={secret}&grant_type=authorization_code", 41008)]
    [InlineData("appid={app}&secret={secret}&js_code={code}&grant_type=client_credential", 40002)]
    [InlineData("appid=wxnosuchapp&secret={secret}&js_code={code}&grant_type=authorization_code", 40013)]
    [InlineData("appid={app}&secret=wrong&js_code={code}&grant_type=authorization_code", 40125)]
    [InlineData("appid={app}&secret={secret}&js_code=nosuchcode&grant_type=authorization_code", 40029)]
    public async Task JsCode2Session_EachRefusal_IsHttp200WithWeChatsErrcode(string query, int errcode)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = await LoginAsync(app);

        var response = await _server.GetAsync(Prefix + "sns/jscode2session?" + query
            .Replace("{app}", appId, StringComparison.Ordinal).Replace("{secret}", Uri.EscapeDataString(secret), StringComparison.Ordinal)
            .Replace("{code}", code, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = await Json(response);
        Assert.Equal(errcode, (int)error["errcode"]!);
        Assert.False(string.IsNullOrEmpty((string?)error["errmsg"]));
        Assert.Null(error["session_key"]);
    }

    [Fact]
    public async Task JsCode2Session_CodeUsedTwiceOrAnotherPlatformsApp_40163Then40013()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        var (alipayId, alipaySecret) = await _host.CreateAppAsync(Platform.Alipay);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = await LoginAsync(app);

        var first = await GetAsync(Query(appId, secret, code));
        var second = await GetAsync(Query(appId, secret, code));
        var alipay = await GetAsync(Query(alipayId, alipaySecret, code));

        Assert.NotNull(first["session_key"]);
        Assert.Equal(40163, (int)second["errcode"]!);
        Assert.Equal(40013, (int)alipay["errcode"]!);
    }

    [Fact]
    public async Task JsCode2Session_OverTheAppsBudget_IsHttp200With45011()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "2" });
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        using var server = host.CreateClient();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await server.GetAsync(Prefix + Query(appId, secret, "x" + i)));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(40029, (int)(await Json(answers[1]))["errcode"]!);
        Assert.Equal(45011, (int)(await Json(answers[2]))["errcode"]!);
    }

    [Fact]
    public async Task JsCode2Session_GetWithTheSecret_NeitherTheSecretNorTheCodeReachAnyLog()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        var code = await LoginAsync(app);

        var session = await GetAsync(Query(appId, secret, code));
        var refused = await GetAsync(Query(appId, secret + "x", code));
        var token = await GetAsync($"cgi-bin/token?grant_type=client_credential&appid={appId}&secret={Uri.EscapeDataString(secret)}");
        var phone = await _server.PostAsJsonAsync(Prefix + "wxa/business/getuserphonenumber?access_token=" + (string)token["access_token"]!, new { code = "nope" });

        Assert.NotNull(session["session_key"]);
        Assert.Equal(40125, (int)refused["errcode"]!);
        Assert.Equal(40029, (int)(await Json(phone))["errcode"]!);
        Assert.NotEmpty(_logs.Lines);
        // The capture sees the requests (their paths, at Debug and Trace), so a logged query would be caught.
        Assert.Contains(_logs.Lines, l => l.Contains("jscode2session", StringComparison.Ordinal));
        Assert.All(_logs.Lines, line =>
        {
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(code, line, StringComparison.Ordinal);
            Assert.DoesNotContain((string)token["access_token"]!, line, StringComparison.Ordinal);
            Assert.DoesNotContain("secret=", line, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task JsCode2Session_RefuseSecretInQuery_RefusesWith40097AndKeepsTheCode()
    {
        await using var host = new TestHost(new() { ["Exchange:RefuseSecretInQuery"] = "true" });
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        var userId = await host.CreateUserAsync("bob");
        using var app = await host.MiniAppAsync(appId, userId);
        using var server = host.CreateClient();
        var code = await LoginAsync(app);

        var query = await Json(await server.GetAsync(Prefix + Query(appId, secret, code)));
        var token = await Json(await server.GetAsync(Prefix + $"cgi-bin/token?grant_type=client_credential&appid={appId}&secret={Uri.EscapeDataString(secret)}"));
        var form = await Json(await server.PostAsync(Prefix + "sns/jscode2session", Form(appId, secret, code)));

        Assert.Equal(40097, (int)query["errcode"]!);
        Assert.Contains("query string", (string)query["errmsg"]!, StringComparison.Ordinal);
        Assert.Equal(40097, (int)token["errcode"]!);
        Assert.NotNull(form["session_key"]);
    }

    [Theory]
    [InlineData("appid={app}&secret={secret}", 40002)]
    [InlineData("grant_type=client_credential&secret={secret}", 41002)]
    [InlineData("grant_type=client_credential&appid={app}", 41004)]
    [InlineData("grant_type=client_credential&appid=wxnosuchapp&secret={secret}", 40013)]
    [InlineData("grant_type=client_credential&appid={app}&secret=wrong", 40001)]
    public async Task Token_EachRefusal_IsHttp200WithWeChatsErrcode(string query, int errcode)
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);

        var response = await _server.GetAsync(Prefix + "cgi-bin/token?" + query
            .Replace("{app}", appId, StringComparison.Ordinal).Replace("{secret}", Uri.EscapeDataString(secret), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = await Json(response);
        Assert.Equal(errcode, (int)error["errcode"]!);
        Assert.Null(error["access_token"]);
    }

    [Fact]
    public async Task GetPhoneNumber_EndToEnd_UserConsentsEachTimeAndTheServerReadsTheNumberOnce()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        using var user = await _host.UserAsync("alice");
        var token = await TokenAsync(appId, secret);

        var code = await PhoneCodeAsync(app, user);
        var phone = await PhoneAsync(token, code);
        var again = await PhoneAsync(token, code);
        var secondCode = await PhoneCodeAsync(app, user);

        Assert.Equal(0, (int)phone["errcode"]!);
        Assert.Equal("ok", (string)phone["errmsg"]!);
        var info = phone["phone_info"]!;
        Assert.Equal("13800138000", (string)info["phoneNumber"]!);
        Assert.Equal("13800138000", (string)info["purePhoneNumber"]!);
        Assert.Equal("86", (string)info["countryCode"]!);
        Assert.Equal(appId, (string)info["watermark"]!["appid"]!);
        Assert.True((long)info["watermark"]!["timestamp"]! > 0);
        Assert.Equal(40029, (int)again["errcode"]!);
        Assert.NotEqual(code, secondCode);
        var settings = await Json(await app.GetAsync("/api/v1/settings"));
        Assert.Null(settings["authSetting"]!["phoneNumber"]);
        Assert.Null(settings["native"]!["authSetting"]!["phoneNumber"]);
    }

    [Fact]
    public async Task GetPhoneNumber_Refused_FailsAndTheNextTapAsksAgain()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        using var user = await _host.UserAsync("alice");

        var refused = await GateAsync(app, user, "deny");
        var allowed = await GateAsync(app, user, "allow");

        Assert.Equal("fail", (string)refused["status"]!);
        Assert.StartsWith("getPhoneNumber:fail", (string)refused["native"]!["errMsg"]!, StringComparison.Ordinal);
        Assert.Null(refused["native"]!["code"]);
        Assert.Equal("getPhoneNumber:ok", (string)allowed["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task GetPhoneNumber_AnotherAppsToken_IsRefusedAndTheOwnerStillRedeems()
    {
        var (ownerId, ownerSecret) = await _host.CreateAppAsync(Platform.WeChat);
        var (otherId, otherSecret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(ownerId, _userId);
        using var user = await _host.UserAsync("alice");
        var code = await PhoneCodeAsync(app, user);

        var other = await PhoneAsync(await TokenAsync(otherId, otherSecret), code);
        var owner = await PhoneAsync(await TokenAsync(ownerId, ownerSecret), code);

        Assert.Equal(40029, (int)other["errcode"]!);
        Assert.Equal(0, (int)owner["errcode"]!);
    }

    [Fact]
    public async Task GetPhoneNumber_WithoutAValidToken_41001Or40001AndTheCodeIsKept()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        using var user = await _host.UserAsync("alice");
        var code = await PhoneCodeAsync(app, user);
        var token = await TokenAsync(appId, secret);
        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];

        var missing = await Json(await _server.PostAsJsonAsync(Prefix + "wxa/business/getuserphonenumber", new { code }));
        var forged = await PhoneAsync(tampered, code);
        var secretAsToken = await PhoneAsync(secret, code);
        var owner = await PhoneAsync(token, code);

        Assert.Equal(41001, (int)missing["errcode"]!);
        Assert.Equal(40001, (int)forged["errcode"]!);
        Assert.Equal(40001, (int)secretAsToken["errcode"]!);
        Assert.Equal(0, (int)owner["errcode"]!);
    }

    [Fact]
    public async Task GetPhoneNumber_SecretRotated_EndsTheTokenIssuedUnderTheOldOne()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        using var user = await _host.UserAsync("alice");
        var token = await TokenAsync(appId, secret);
        using var admin = _host.Admin();
        var rotated = await Json(await admin.PostAsync($"/admin/v1/apps/{appId}/secret", null));
        var code = await PhoneCodeAsync(app, user);

        var old = await PhoneAsync(token, code);
        var fresh = await PhoneAsync(await TokenAsync(appId, (string)rotated["secret"]!), code);

        Assert.Equal(40001, (int)old["errcode"]!);
        Assert.Equal(0, (int)fresh["errcode"]!);
    }

    [Fact]
    public async Task GetPhoneNumber_LoginAndPhoneCodesAreNotInterchangeable()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);
        using var user = await _host.UserAsync("alice");
        var token = await TokenAsync(appId, secret);

        var loginAsPhone = await PhoneAsync(token, await LoginAsync(app));
        var phoneAsLogin = await GetAsync(Query(appId, secret, await PhoneCodeAsync(app, user)));

        Assert.Equal(40029, (int)loginAsPhone["errcode"]!);
        Assert.Equal(40029, (int)phoneAsLogin["errcode"]!);
        Assert.Null(phoneAsLogin["session_key"]);
    }

    [Fact]
    public async Task GetPhoneNumber_MalformedBodies_47001Or41008NeverA5xx()
    {
        var (appId, secret) = await _host.CreateAppAsync(Platform.WeChat);
        var url = Prefix + "wxa/business/getuserphonenumber?access_token=" + await TokenAsync(appId, secret);

        var badBytes = await _server.PostAsync(url, new ByteArrayContent([0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
        var array = await _server.PostAsync(url, RawJson("[]"));
        var number = await _server.PostAsync(url, RawJson("{\"code\": 5}"));
        var empty = await _server.PostAsync(url, RawJson("{}"));

        foreach (var response in new[] { badBytes, array, number, empty })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(47001, (int)(await Json(badBytes))["errcode"]!);
        Assert.Equal(47001, (int)(await Json(array))["errcode"]!);
        Assert.Equal(47001, (int)(await Json(number))["errcode"]!);
        Assert.Equal(41008, (int)(await Json(empty))["errcode"]!);
    }

    [Fact]
    public async Task GetPhoneNumber_NoNumberOnFile_FailsWithoutAsking()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var userId = await _host.CreateUserAsync("carol");
        using var app = await _host.MiniAppAsync(appId, userId);

        var result = await Json(await app.PostAsync("/api/v1/apis/getPhoneNumber/authorize?wait=0", null));

        Assert.Equal("fail", (string)result["status"]!);
        Assert.Equal("getPhoneNumber:fail auth deny", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task GetPhoneNumber_NoProviderRegistered_FailsAsAnAppWithoutTheCapability()
    {
        await using var host = new TestHost();
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        using var app = await host.MiniAppAsync(appId, await host.CreateUserAsync("dave"));

        var result = await Json(await app.PostAsync("/api/v1/apis/getPhoneNumber/authorize?wait=0", null));

        Assert.Equal("getPhoneNumber:fail no permission", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task Authorize_PhoneNumberAsAScope_IsAnInvalidScope()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        using var app = await _host.MiniAppAsync(appId, _userId);

        var result = await Json(await PostJson(app, "/api/v1/authorize?wait=0", new { scope = "phoneNumber" }));

        Assert.Equal("authorize:fail invalid scope", (string)result["native"]!["errMsg"]!);
    }

    private static string Query(string appId, string secret, string code) =>
        $"sns/jscode2session?appid={appId}&secret={Uri.EscapeDataString(secret)}&js_code={code}&grant_type=authorization_code";

    private static FormUrlEncodedContent Form(string appId, string secret, string code) => new(new Dictionary<string, string>
    {
        ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
    });

    private async Task<JsonObject> GetAsync(string pathAndQuery)
    {
        var response = await _server.GetAsync(Prefix + pathAndQuery);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    private async Task<string> TokenAsync(string appId, string secret)
    {
        var token = await GetAsync($"cgi-bin/token?grant_type=client_credential&appid={appId}&secret={Uri.EscapeDataString(secret)}");
        Assert.Equal(7200, (int)token["expires_in"]!);
        return (string)token["access_token"]!;
    }

    private async Task<JsonObject> PhoneAsync(string token, string code)
    {
        var response = await _server.PostAsJsonAsync(Prefix + "wxa/business/getuserphonenumber?access_token=" + Uri.EscapeDataString(token), new { code });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    private static async Task<string> LoginAsync(HttpClient app) => (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;

    // The button's tap: the gate asks the user on the host's dialog; the grant answers e.detail.code.
    private static async Task<JsonObject> GateAsync(HttpClient app, HttpClient user, string answer)
    {
        var call = app.PostAsync("/api/v1/apis/getPhoneNumber/authorize?wait=15", null);
        var consent = await PendingConsentAsync(user);
        Assert.Contains("phoneNumber", consent.ToJsonString(), StringComparison.Ordinal);
        await AnswerAsync(user, (string)consent["id"]!, answer);
        var response = await call.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    private static async Task<string> PhoneCodeAsync(HttpClient app, HttpClient user)
    {
        var result = await GateAsync(app, user, "allow");
        Assert.Equal("getPhoneNumber:ok", (string)result["native"]!["errMsg"]!);
        return (string)result["native"]!["code"]!;
    }

    private sealed class FakePhoneNumbers : IPhoneNumberProvider
    {
        public ConcurrentDictionary<string, PhoneNumberInfo> Numbers { get; } = new();

        public ValueTask<PhoneNumberInfo?> GetPhoneNumberAsync(PhoneNumberRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Numbers.TryGetValue(request.UserId, out var number) ? number : null);
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => p.Key + "=" + p.Value)) : string.Empty;
                lines.Enqueue(category + ": " + formatter(state, exception) + " " + structured + " " + exception);
            }
        }
    }
}
