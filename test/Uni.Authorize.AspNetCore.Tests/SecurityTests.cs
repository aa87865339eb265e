using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class SecurityTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private string _appId = null!;
    private string _userId = null!;
    private HttpClient _app = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync() => (_appId, _userId, _app, _user) = await _host.AliceInAWeChatAppAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AnswerConsent_WithTheMiniAppSessionToken_IsUnauthorizedAndLeavesTheConsentPending()
    {
        var call = PostJson(_app, "/api/v1/authorize?wait=15", new { scope = "scope.userLocation" });
        var consent = await PendingConsentAsync(_user);

        var response = await _app.PostAsJsonAsync($"/api/v1/user/consents/{consent["id"]}/answer", new { answer = "allow" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("sign_in_required", (string)(await Json(response))["code"]!);
        Assert.Single((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
        await AnswerAsync(_user, (string)consent["id"]!, "deny");
        Assert.Equal("denied", (string)(await Json(await call.WaitAsync(Patience)))["error"]!["code"]!);
    }

    [Fact]
    public async Task AnswerConsent_WithoutAntiforgeryToken_IsRejected()
    {
        _ = PostJson(_app, "/api/v1/authorize?wait=15", new { scope = "scope.userLocation" });
        var consent = await PendingConsentAsync(_user);
        _user.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var response = await _user.PostAsJsonAsync($"/api/v1/user/consents/{consent["id"]}/answer", new { answer = "allow" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("antiforgery_invalid", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task ChangeSetting_WithoutAntiforgeryToken_IsRejectedAndChangesNothing()
    {
        _user.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var response = await _user.PutAsJsonAsync($"/api/v1/user/apps/{_appId}/settings", new { scope = "scope.userLocationBackground", state = "granted" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var settings = await Json(await _app.GetAsync("/api/v1/settings"));
        Assert.Empty(settings["authSetting"]!.AsObject());
    }

    [Fact]
    public async Task ChangeSetting_WithTheMiniAppSessionToken_IsUnauthorized()
    {
        var response = await _app.PutAsJsonAsync($"/api/v1/user/apps/{_appId}/settings", new { scope = "scope.userLocationBackground", state = "granted" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Consent_OfAnotherUser_IsNeitherListedNorAnswerable()
    {
        _ = PostJson(_app, "/api/v1/authorize?wait=15", new { scope = "scope.userLocation" });
        var consent = await PendingConsentAsync(_user);
        using var mallory = await _host.UserAsync("mallory");

        Assert.Empty((await mallory.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
        var response = await mallory.PostAsJsonAsync($"/api/v1/user/consents/{consent["id"]}/answer", new { answer = "allow" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Single((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
    }

    [Fact]
    public async Task Decisions_OfOneApp_AreInvisibleToAnotherAppOfTheSameUser()
    {
        var (otherAppId, _) = await _host.CreateAppAsync(Platform.WeChat);
        using var other = await _host.MiniAppAsync(otherAppId, _userId);
        var call = PostJson(_app, "/api/v1/authorize?wait=15", new { scope = "scope.camera" });
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "allow");
        await call.WaitAsync(Patience);

        var settings = await Json(await other.GetAsync("/api/v1/settings"));
        var pending = await PostJson(other, "/api/v1/authorize?wait=0", new { scope = "scope.camera" });

        Assert.Empty(settings["authSetting"]!.AsObject());
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
    }

    [Fact]
    public async Task PendingCall_OfAnotherApp_IsNotFound()
    {
        var (otherAppId, _) = await _host.CreateAppAsync(Platform.WeChat);
        using var other = await _host.MiniAppAsync(otherAppId, _userId);
        var pending = await Json(await PostJson(_app, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }));

        var response = await other.GetAsync((string)pending["pollUrl"]! + "?wait=0");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("call_not_found", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Session_Expired_IsUnauthorized()
    {
        using var admin = _host.Admin();
        var issued = await Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId = _userId, lifetimeSeconds = 1 }));
        using var client = _host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)issued["token"]!);
        await Task.Delay(TimeSpan.FromSeconds(1.2), TestContext.Current.CancellationToken);

        var response = await client.GetAsync("/api/v1/session");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("session_invalid", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Session_Revoked_IsUnauthorizedAtOnce()
    {
        using var admin = _host.Admin();
        var issued = await Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId = _userId }));
        using var client = _host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)issued["token"]!);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/session")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/admin/v1/sessions/revoke", new { token = (string)issued["token"]! })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/session")).StatusCode);
    }

    [Theory]
    [InlineData(null, "operator_sign_in_required")]
    [InlineData("wrong-admin-key-0123456789", "admin_key_invalid")]
    public async Task AdminApi_WithoutTheAdminKey_IsUnauthorized(string? key, string code)
    {
        using var client = _host.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Admin-Key", key);
        }

        var response = await client.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId = _userId });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/api/v1/user/me")]
    [InlineData("/api/v1/scopes")]
    public async Task Responses_RefuseToBeFramed(string path)
    {
        using var client = _host.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Logs_AfterEveryFlow_HoldNoSecretTokenOrCode()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = new TestHost(new() { ["Logging:LogLevel:Default"] = "Trace" }, services => services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        var (appId, secret) = await host.CreateAppAsync(Platform.WeChat);
        var userId = await host.CreateUserAsync("carol");
        using var admin = host.Admin();
        var token = (string)(await Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId, userId })))["token"]!;
        using var app = host.CreateClient();
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var user = await host.UserAsync("carol");
        var call = PostJson(app, "/api/v1/authorize?wait=15", new { scope = "scope.userLocation" });
        await AnswerAsync(user, (string)(await PendingConsentAsync(user))["id"]!, "allow");
        await call.WaitAsync(Patience);
        var code = (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;
        var exchange = await host.CreateClient().PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));
        var sessionKey = (string)(await Json(exchange))["session_key"]!;

        Assert.NotEmpty(logs.Lines);
        foreach (var sensitive in new[] { secret, token, code, sessionKey, TestHost.AdminKey })
        {
            Assert.DoesNotContain(logs.Lines, line => line.Contains(sensitive, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void MapUniAuthorize_WithoutAddUniAuthorizeHost_ThrowsNamingTheMissingCall()
    {
        var builder = WebApplication.CreateBuilder();
        var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapUniAuthorize());

        Assert.Contains("AddUniAuthorizeHost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddUniAuthorizeHost_WithAShortAdminKey_FailsAtStartNamingTheSetting()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddUniAuthorizeHost(o => o.AdminKey = "short");
        var app = builder.Build();

        var error = Assert.ThrowsAny<Exception>(() => app.MapUniAuthorize());

        Assert.Contains("AdminKey", error.Message, StringComparison.Ordinal);
    }
}
