using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

#pragma warning disable CA5350 // The platforms' signature is SHA-1: the test checks it as an app server does.

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>Boundary: a credential ends with the secret it came from. An operator cookie ends when the admin key changes;
/// what the code exchange issued under an app secret (session keys, Alipay access tokens) ends when the secret is rotated.</summary>
public sealed class CredentialRotationTests
{
    private const string RotatedKey = "rotated-admin-key-9876543210";
    private const string OperatorCookie = ".Uni.Authorize.Operator";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OperatorCookie_AdminKeyRotatedOnAnotherInstance_401AndCannotMintAnAppSecret()
    {
        var keys = Directory.CreateTempSubdirectory("uni-rotation-");
        try
        {
            void SharedKeys(IServiceCollection s) => s.AddDataProtection().PersistKeysToFileSystem(keys).SetApplicationName("rotation");
            await using var signedIn = new TestHost(services: SharedKeys);
            await using var sameKey = new TestHost(services: SharedKeys);
            await using var rotated = new TestHost(new() { ["Host:AdminKey"] = RotatedKey }, SharedKeys);
            var jar = new CookieJar();
            var token = await SignInAsync(signedIn, jar);
            var (appId, secret) = await CreateAppAsync(rotated, RotatedKey);

            var control = await jar.SendAsync(sameKey, HttpMethod.Get, "/admin/v1/me");
            var me = await jar.SendAsync(rotated, HttpMethod.Get, "/admin/v1/me");
            var mint = await jar.SendAsync(rotated, HttpMethod.Post, $"/admin/v1/apps/{appId}/secret", token);

            Assert.Equal(HttpStatusCode.OK, control.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, mint.StatusCode);
            Assert.Equal("operator_sign_in_required", (string)(await Json(mint))["code"]!);
            // The secret is the one the app had: its exchange still authenticates (and only the code is wrong).
            Assert.Equal(40029, (int)(await WeChatExchangeAsync(rotated, appId, secret, "no-such-code"))["errcode"]!);
        }
        finally
        {
            keys.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task OperatorCookie_AdminKeyChangedWhileRunning_401AndOnlyTheNewKeyWorks()
    {
        var rotation = new AdminKeyRotation();
        await using var host = new TestHost(services: s => s
            .PostConfigure<UniAuthorizeHostOptions>(o => o.AdminKey = rotation.Key ?? o.AdminKey)
            .AddSingleton<IOptionsChangeTokenSource<UniAuthorizeHostOptions>>(rotation));
        var jar = new CookieJar();
        var token = await SignInAsync(host, jar);
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        Assert.Equal(HttpStatusCode.OK, (await jar.SendAsync(host, HttpMethod.Get, "/admin/v1/me")).StatusCode);

        rotation.Rotate(RotatedKey);

        Assert.Equal(HttpStatusCode.Unauthorized, (await jar.SendAsync(host, HttpMethod.Get, "/admin/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await jar.SendAsync(host, HttpMethod.Post, $"/admin/v1/apps/{appId}/secret", token)).StatusCode);
        using var oldKey = host.Admin();
        Assert.Equal(HttpStatusCode.Unauthorized, (await oldKey.GetAsync("/admin/v1/me", Ct)).StatusCode);
        using var newKey = host.CreateClient();
        newKey.DefaultRequestHeaders.Add("X-Admin-Key", RotatedKey);
        Assert.Equal(HttpStatusCode.OK, (await newKey.GetAsync("/admin/v1/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task OperatorCookie_ReadWithTheDataProtectionKeys_HoldsAKeyedFingerprintNotTheKey()
    {
        await using var host = new TestHost();
        var jar = new CookieJar();
        await SignInAsync(host, jar);

        var format = host.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(UniAuthorizeHostOptions.OperatorScheme).TicketDataFormat;
        var ticket = format.Unprotect(jar[OperatorCookie]);

        Assert.NotNull(ticket);
        var values = ticket.Principal.Claims.Select(c => c.Value).ToList();
        Assert.DoesNotContain(values, v => v.Contains(AdminKey, StringComparison.Ordinal));
        Assert.DoesNotContain(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AdminKey))), values);
        Assert.Contains(Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AdminKey), "Uni.Authorize operator cookie"u8)), values);
    }

    [Fact]
    public async Task SessionKey_AppSecretRotated_NothingIsSealedWithTheOldKeyUntilTheNextExchange()
    {
        await using var host = new TestHost(new() { ["Host:ExchangePermitLimit"] = "1000" });
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        var userId = await host.CreateUserAsync("alice");
        using var app = await host.MiniAppAsync(appId, userId);
        var oldKey = (string)(await WeChatExchangeAsync(host, appId, secret, await LoginCodeAsync(app)))["session_key"]!;
        var before = await UserInfoAsync(app);

        var rotatedSecret = await RotateSecretAsync(host, appId);
        var after = await UserInfoAsync(app);
        var newKey = (string)(await WeChatExchangeAsync(host, appId, rotatedSecret, await LoginCodeAsync(app)))["session_key"]!;
        var again = await UserInfoAsync(app);

        Assert.Equal(Sign((string)before["native"]!["rawData"]!, oldKey), (string)before["native"]!["signature"]!);
        // WeChat seals user info before any login with a key of the session's own (as WeChat does): after the rotation that
        // is a fresh key, never the one the old secret's exchange handed out.
        Assert.Equal("ok", (string)after["status"]!);
        Assert.NotEqual(Sign((string)after["native"]!["rawData"]!, oldKey), (string)after["native"]!["signature"]!);
        Assert.Equal(Sign((string)again["native"]!["rawData"]!, newKey), (string)again["native"]!["signature"]!);
        Assert.NotEqual(Sign((string)again["native"]!["rawData"]!, oldKey), (string)again["native"]!["signature"]!);
    }

    [Fact]
    public async Task AlipayAccessToken_AppSecretRotated_RefusedEvenWithTheNewSecret()
    {
        await using var host = new TestHost();
        var (appId, secret) = await host.CreateAppAsync(Platform.Alipay);
        var userId = await host.CreateUserAsync("alice");
        using var app = await host.MiniAppAsync(appId, userId);
        using var user = await host.UserAsync("alice");
        var call = PostJson(app, "/api/v1/authorize?wait=20", new { scopes = new[] { "auth_zhima" } });
        await AnswerAsync(user, (string)(await PendingConsentAsync(user))["id"]!, "allow");
        var code = (string)(await Json(await call))["authCode"]!;
        using var server = host.CreateClient();
        var exchanged = await Json(await server.PostAsync("/api/v1/exchange/alipay/oauth-token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["app_id"] = appId, ["app_secret"] = secret, ["grant_type"] = "authorization_code", ["code"] = code,
        }), Ct));
        var token = (string)exchanged["alipay_system_oauth_token_response"]!["access_token"]!;
        // No credit provider is registered: a token that passes answers "service unavailable".
        var before = await ZhimaAsync(host, appId, secret, token);

        var rotatedSecret = await RotateSecretAsync(host, appId);
        var after = await ZhimaAsync(host, appId, rotatedSecret, token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("aop.invalid-auth-token", (string)(await Json(after))["zhima_credit_score_brief_get_response"]!["sub_code"]!);
    }

    // Signs in through the console's form with the admin key; returns the operator's antiforgery token.
    private static async Task<string> SignInAsync(TestHost host, CookieJar jar)
    {
        var userToken = (string)(await Json(await jar.SendAsync(host, HttpMethod.Get, "/api/v1/user/antiforgery")))["token"]!;
        var signIn = await jar.SendAsync(host, HttpMethod.Post, "/admin/v1/sign-in", userToken,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = AdminKey }));
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        return (string)(await Json(await jar.SendAsync(host, HttpMethod.Get, "/admin/v1/antiforgery")))["token"]!;
    }

    private static async Task<(string Id, string Secret)> CreateAppAsync(TestHost host, string adminKey)
    {
        using var admin = host.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", adminKey);
        var created = await Json(await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "App", platform = "wechat" }, Ct));
        return ((string)created["id"]!, (string)created["secret"]!);
    }

    private static async Task<string> RotateSecretAsync(TestHost host, string appId)
    {
        using var admin = host.Admin();
        var response = await admin.PostAsync($"/admin/v1/apps/{appId}/secret", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (string)(await Json(response))["secret"]!;
    }

    private static async Task<string> LoginCodeAsync(HttpClient app) => (string)(await Json(await app.PostAsync("/api/v1/login", null, Ct)))["code"]!;

    private static async Task<JsonObject> WeChatExchangeAsync(TestHost host, string appId, string secret, string code)
    {
        using var server = host.CreateClient();
        return await Json(await server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }), Ct));
    }

    private static async Task<JsonObject> UserInfoAsync(HttpClient app)
    {
        var response = await app.PostAsJsonAsync("/api/v1/apis/getUserInfo/data", new { withCredentials = true }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    private static Task<HttpResponseMessage> ZhimaAsync(TestHost host, string appId, string secret, string token) =>
        host.CreateClient().PostAsync("/api/v1/exchange/alipay/zhima.credit.score.brief.get", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["app_id"] = appId, ["app_secret"] = secret, ["auth_token"] = token,
            ["biz_content"] = """{"transaction_id":"tx-1","product_code":"w1010100000000002733","admittance_score":600}""",
        }), Ct);

    private static string Sign(string rawData, string sessionKey) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + sessionKey)));

    /// <summary>An application's reloadable setting of the admin key: the options system hears the change.</summary>
    private sealed class AdminKeyRotation : IOptionsChangeTokenSource<UniAuthorizeHostOptions>
    {
        private CancellationTokenSource _changed = new();

        public string? Key { get; private set; }

        public string Name => Options.DefaultName;

        public IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

        public void Rotate(string key)
        {
            Key = key;
            var changed = _changed;
            _changed = new CancellationTokenSource();
            changed.Cancel();
            changed.Dispose();
        }
    }
}
