using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The admin API the operator's console calls: apps (rotate, privacy contract, disable), users (find, decisions
/// with their trail, change as the operator) and the live figures.</summary>
public sealed class ConsoleApiTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private TestHost _host = null!;
    private HttpClient _admin = null!;
    private string _appId = null!;
    private string _secret = null!;
    private string _userId = null!;

    public async ValueTask InitializeAsync()
    {
        _host = new TestHost(services: services => services.AddLogging(b => b.AddProvider(_logs)));
        (_appId, _secret) = await _host.CreateAppAsync(Platform.WeChat);
        _userId = await _host.CreateUserAsync("alice");
        _admin = _host.Admin();
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
        _logs.Dispose();
    }

    private Task<HttpResponseMessage> ExchangeAsync(string secret, string code) =>
        _host.CreateClient().PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = _appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));

    private static async Task<string> LoginAsync(HttpClient app) => (string)(await Json(await app.PostAsync("/api/v1/login", null)))["code"]!;

    [Fact]
    public async Task RotateSecret_OldSecret_RefusedByTheExchangeAtOnceAndTheNewOneWorks()
    {
        using var app = await _host.MiniAppAsync(_appId, _userId);

        var response = await _admin.PostAsync($"/admin/v1/apps/{_appId}/secret", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var rotated = (string)(await Json(response))["secret"]!;
        Assert.NotEqual(_secret, rotated);
        Assert.Equal(40125, (int)(await Json(await ExchangeAsync(_secret, await LoginAsync(app))))["errcode"]!);
        Assert.Equal(0, (int)(await Json(await ExchangeAsync(rotated, await LoginAsync(app))))["errcode"]!);
        Assert.Contains(_logs.Lines, line => line.Contains("rotated the secret of app " + _appId, StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains(rotated, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disable_AppWithASessionAndACode_SessionGets401CodeDiesAndNewSessionsAreRefused()
    {
        using var app = await _host.MiniAppAsync(_appId, _userId);
        var code = await LoginAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/api/v1/session")).StatusCode);

        var response = await _admin.PostAsync($"/admin/v1/apps/{_appId}/disable", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var disabled = await Json(response);
        Assert.Equal((1, 1), ((int)disabled["sessions"]!, (int)disabled["authCodes"]!));
        Assert.NotNull(disabled["app"]!["disabledAt"]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetAsync("/api/v1/session")).StatusCode);
        var redemption = await _host.Services.GetRequiredService<IAuthCodeStore>().RedeemAsync(AuthCodeService.HashCode(code), _appId, DateTimeOffset.UtcNow,
            TestContext.Current.CancellationToken);
        Assert.Equal(AuthCodeRedemptionStatus.Invalid, redemption.Status);
        Assert.Equal(40125, (int)(await Json(await ExchangeAsync(_secret, code)))["errcode"]!);
        var session = await _admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId = _userId });
        Assert.Equal(HttpStatusCode.Conflict, session.StatusCode);
        Assert.Equal("app_disabled", (string)(await Json(session))["code"]!);
        var listed = Assert.Single((await Json(await _admin.GetAsync("/admin/v1/apps")))["apps"]!.AsArray())!;
        Assert.NotNull(listed["disabledAt"]);
    }

    [Fact]
    public async Task FindUsers_IdOrNamePrefix_ListsTheMatches()
    {
        var bob = await _host.CreateUserAsync("alfred");
        await _host.CreateUserAsync("bob");

        var byPrefix = await Json(await _admin.GetAsync("/admin/v1/users?query=al"));
        var byId = await Json(await _admin.GetAsync($"/admin/v1/users?query={_userId}"));

        Assert.Equal(["alfred", "alice"], byPrefix["users"]!.AsArray().Select(u => (string)u!["name"]!));
        Assert.Equal([_userId], byId["users"]!.AsArray().Select(u => (string)u!["id"]!));
        Assert.NotEqual(bob, _userId);
    }

    [Theory]
    [InlineData("/admin/v1/users", "invalid_query")]
    [InlineData("/admin/v1/users?query=%01", "invalid_query")]
    [InlineData("/admin/v1/users?query=a&limit=0", "invalid_limit")]
    [InlineData("/admin/v1/users?query=a&limit=51", "invalid_limit")]
    public async Task FindUsers_BadQuery_400WithProblemDetails(string url, string code)
    {
        var response = await _admin.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task ChangeDecision_AfterADialogGrantAndASettingsChange_TrailShowsAllThreeSourcesAndTheOperatorIsLogged()
    {
        var subject = new Subject(_appId, _userId);
        await _host.Services.GetRequiredService<DecisionManager>().SetDecisionAsync(subject, "scope.camera", DecisionState.Granted, DecisionSource.Prompt,
            Platform.WeChat, TestContext.Current.CancellationToken);
        using var user = await _host.UserAsync("alice");
        Assert.Equal(HttpStatusCode.OK, (await user.PutAsJsonAsync($"/api/v1/user/apps/{_appId}/settings", new { scope = "scope.camera", state = "denied" })).StatusCode);

        var changed = await _admin.PutAsJsonAsync($"/admin/v1/users/{_userId}/apps/{_appId}/decisions", new { scope = "scope.camera", state = "notDetermined" });

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var decisions = await Json(await _admin.GetAsync($"/admin/v1/users/{_userId}/decisions"));
        Assert.Equal("alice", (string)decisions["profile"]!["name"]!);
        var app = Assert.Single(decisions["apps"]!.AsArray())!;
        var scope = Assert.Single(app["scopes"]!.AsArray())!;
        Assert.Equal(("notDetermined", "admin"), ((string)scope["decision"]!["state"]!, (string)scope["decision"]!["source"]!));
        Assert.Equal(["notDetermined>granted dialog", "granted>denied settings", "denied>notDetermined admin"],
            scope["history"]!.AsArray().Select(a => $"{a!["from"]}>{a["to"]} {a["source"]}"));
        Assert.Contains(_logs.Lines, line => line.Contains($"set scope.camera to notDetermined in app {_appId} for user {_userId}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"scope\":\"scope.camera\",\"state\":\"maybe\"}", "invalid_state")]
    [InlineData("{\"scope\":\"scope.nothing\",\"state\":\"granted\"}", "invalid_scope")]
    [InlineData("{\"state\":\"granted\"}", "invalid_scope")]
    [InlineData("{\"scope\":\"scope.camera\",\"state\":\"granted\",\"extra\":1}", "invalid_json")]
    public async Task ChangeDecision_BadBody_400WithProblemDetails(string body, string code)
    {
        var response = await _admin.PutAsync($"/admin/v1/users/{_userId}/apps/{_appId}/decisions", RawJson(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData("POST", "/admin/v1/apps/nope/secret")]
    [InlineData("POST", "/admin/v1/apps/nope/disable")]
    [InlineData("DELETE", "/admin/v1/apps/nope/privacy-contract")]
    public async Task AppCalls_UnknownApp_404(string method, string url)
    {
        var response = await _admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("app_not_found", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task PrivacyContract_SetOnAWeChatApp_TheAppsSessionsSeeItAndNeedAgreement()
    {
        using var app = await _host.MiniAppAsync(_appId, _userId);
        Assert.False((bool)(await app.GetFromJsonAsync<JsonObject>("/api/v1/privacy"))!["needAuthorization"]!);

        var response = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/privacy-contract", new { name = "《示例隐私保护指引》", url = "/privacy.html" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setting = (await app.GetFromJsonAsync<JsonObject>("/api/v1/privacy"))!;
        Assert.True((bool)setting["needAuthorization"]!);
        Assert.Equal("《示例隐私保护指引》", (string)setting["privacyContractName"]!);
        Assert.Equal("/privacy.html", (string)(await app.GetFromJsonAsync<JsonObject>("/api/v1/privacy/contract"))!["url"]!);
        Assert.Equal(HttpStatusCode.OK, (await _admin.DeleteAsync($"/admin/v1/apps/{_appId}/privacy-contract")).StatusCode);
        Assert.False((bool)(await app.GetFromJsonAsync<JsonObject>("/api/v1/privacy"))!["needAuthorization"]!);
    }

    [Theory]
    [InlineData("{\"name\":\"n\",\"url\":\"javascript:alert(1)\"}")]
    [InlineData("{\"name\":\"n\",\"url\":\"//evil.example\"}")]
    [InlineData("{\"name\":\" \",\"url\":\"/p\"}")]
    [InlineData("{\"url\":\"/p\"}")]
    public async Task PrivacyContract_BadBody_400(string body)
    {
        var response = await _admin.PutAsync($"/admin/v1/apps/{_appId}/privacy-contract", RawJson(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_privacy_contract", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task PrivacyContract_OtherPlatformsApp_400()
    {
        var (alipay, _) = await _host.CreateAppAsync(Platform.Alipay);

        var response = await _admin.PutAsJsonAsync($"/admin/v1/apps/{alipay}/privacy-contract", new { name = "n", url = "/p" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("wechat_only", (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData("天")]
    [InlineData("w")]
    [InlineData("👩‍💻")]
    public async Task RegisterApp_IconLetterGiven_ReturnedAndListedAsGiven(string letter)
    {
        var created = await Json(await _admin.PostAsJsonAsync("/admin/v1/apps", new { id = "icon-app", name = "天气", platform = "wechat", iconLetter = letter }));

        Assert.Equal(letter, (string)created["iconLetter"]!);
        var listed = (await Json(await _admin.GetAsync("/admin/v1/apps")))["apps"]!.AsArray().Single(a => (string)a!["id"]! == "icon-app")!;
        Assert.Equal(letter, (string)listed["iconLetter"]!);
    }

    [Fact]
    public async Task RegisterApp_IconLetterAbsent_TheNamesFirstLetterUpperCased()
    {
        var created = await Json(await _admin.PostAsJsonAsync("/admin/v1/apps", new { id = "plain-app", name = " weather", platform = "alipay" }));

        Assert.Equal("W", (string)created["iconLetter"]!);
        var listed = (await Json(await _admin.GetAsync("/admin/v1/apps")))["apps"]!.AsArray().Single(a => (string)a!["id"]! == "plain-app")!;
        Assert.Equal("W", (string)listed["iconLetter"]!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ab")]
    [InlineData(" ")]
    [InlineData(@"\u0007")]
    [InlineData(@"\u200b")]
    [InlineData(@"\u0301")]
    public async Task RegisterApp_InvalidIconLetter_400AndNothingStored(string letter)
    {
        var response = await _admin.PostAsync("/admin/v1/apps",
            RawJson($$"""{"id":"bad-icon","name":"n","platform":"wechat","iconLetter":"{{letter}}"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_icon_letter", (string)(await Json(response))["code"]!);
        Assert.Null(await _host.Services.GetRequiredService<IIdentityStore>().GetAppAsync("bad-icon", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Figures_APromptAnsweredAndAFastFail_CountedInTheCurrentMinuteAndPendingNow()
    {
        using var app = await _host.MiniAppAsync(_appId, _userId);
        using var user = await _host.UserAsync("alice");
        var call = PostJson(app, "/api/v1/authorize?wait=15", new { scope = "scope.camera" });
        var pending = await PendingConsentAsync(user);
        var during = await Json(await _admin.GetAsync("/admin/v1/figures"));
        await AnswerAsync(user, (string)pending["id"]!, "deny");
        await call.WaitAsync(Patience);
        await PostJson(app, "/api/v1/authorize", new { scope = "scope.camera" });

        var figures = await Json(await _admin.GetAsync("/admin/v1/figures"));

        Assert.Equal(1, (int)during["pendingConsents"]!);
        Assert.Equal(0, (int)figures["pendingConsents"]!);
        Assert.Equal("instance", (string)figures["scope"]!);
        var minutes = figures["minutes"]!.AsArray();
        Assert.Equal(60, minutes.Count);
        var sums = (Prompts: minutes.Sum(m => (long)m!["prompts"]!), Grants: minutes.Sum(m => (long)m!["grants"]!),
            Denials: minutes.Sum(m => (long)m!["denials"]!), FastFails: minutes.Sum(m => (long)m!["fastFails"]!));
        Assert.Equal((1L, 0L, 1L, 1L), sums);
    }

    [Fact]
    public async Task Me_WithTheAdminKey_TheKeyOperator()
    {
        var me = await Json(await _admin.GetAsync("/admin/v1/me"));

        Assert.Equal(("admin-key", true), ((string)me["name"]!, (bool)me["byKey"]!));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CreateClient().GetAsync("/admin/v1/me")).StatusCode);
    }

    [Fact]
    public async Task SignIn_TheAdminKeyOnce_OperatorCookieWorksWithoutTheKeyAndChangesNeedAntiforgery()
    {
        using var browser = _host.CreateClient();
        await RefreshAntiforgeryAsync(browser);
        var wrong = await browser.PostAsync("/admin/v1/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = "not-the-key" }));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/admin/v1/me")).StatusCode);

        var signIn = await browser.PostAsync("/admin/v1/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = AdminKey }));

        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var me = await Json(await browser.GetAsync("/admin/v1/me"));
        Assert.Equal(("operator", false), ((string)me["name"]!, (bool)me["byKey"]!));
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync($"/admin/v1/apps/{_appId}/secret", null)).StatusCode);
        browser.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        browser.DefaultRequestHeaders.Add("X-CSRF-TOKEN", (string)(await Json(await browser.GetAsync("/admin/v1/antiforgery")))["token"]!);
        Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync($"/admin/v1/apps/{_appId}/secret", null)).StatusCode);
        Assert.Contains(_logs.Lines, line => line.Contains("Operator operator: rotated the secret of app", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/admin/v1/sign-out", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/admin/v1/me")).StatusCode);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgery_400()
    {
        using var browser = _host.CreateClient();

        var response = await browser.PostAsync("/admin/v1/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = AdminKey }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("antiforgery_invalid", (string)(await Json(response))["code"]!);
    }
}
