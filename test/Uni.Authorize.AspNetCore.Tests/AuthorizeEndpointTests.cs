using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class AuthorizeEndpointTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private HttpClient _app = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var userId = await _host.CreateUserAsync("alice");
        _app = await _host.MiniAppAsync(appId, userId);
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Authorize_UndecidedScope_PendsUntilTheUserAllowsThenAnswersNativeOk()
    {
        var response = await PostJson(_app, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var pending = await Json(response);
        Assert.Equal("pending", (string)pending["status"]!);

        var consent = await PendingConsentAsync(_user);
        Assert.Equal("scope.userLocation", (string)consent["scopes"]![0]!["name"]!);
        Assert.Equal("地理位置", (string)consent["scopes"]![0]!["descriptionZh"]!);
        await AnswerAsync(_user, (string)consent["id"]!, "allow");

        var answer = await _app.GetAsync((string)pending["pollUrl"]! + "?wait=10").WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var result = await Json(answer);
        Assert.Equal("ok", (string)result["status"]!);
        Assert.Equal("authorize:ok", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task Authorize_LongPolling_ReturnsOnceTheUserAnswers()
    {
        var call = PostJson(_app, "/api/v1/authorize?wait=15", new { scope = "scope.camera" });
        var consent = await PendingConsentAsync(_user);
        await AnswerAsync(_user, (string)consent["id"]!, "allow");

        var response = await call.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (string)(await Json(response))["status"]!);
    }

    [Fact]
    public async Task Authorize_GrantedScope_AnswersAtOnceWithoutAConsent()
    {
        await GrantAsync("scope.record");

        var response = await PostJson(_app, "/api/v1/authorize?wait=0", new { scope = "scope.record" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("authorize:ok", (string)(await Json(response))["errMsg"]!);
        var consents = await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents");
        Assert.Empty(consents!["consents"]!.AsArray());
    }

    [Fact]
    public async Task Authorize_DeniedScope_FailsAtOnceWithTheNativeDenial()
    {
        var call = PostJson(_app, "/api/v1/authorize?wait=15", new { scope = "scope.camera" });
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "deny");
        Assert.Equal("fail", (string)(await Json(await call.WaitAsync(Patience)))["status"]!);

        var again = await Json(await PostJson(_app, "/api/v1/authorize?wait=0", new { scope = "scope.camera" }));

        Assert.Equal("fail", (string)again["status"]!);
        Assert.Equal("denied", (string)again["error"]!["code"]!);
        Assert.Equal("authorize:fail auth deny", (string)again["native"]!["errMsg"]!);
        Assert.Empty((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
    }

    [Fact]
    public async Task Authorize_UserNeverAnswers_FailsWithTimeoutAfterThePromptTimeout()
    {
        await using var host = new TestHost(new() { ["Authorize:PromptTimeout"] = "00:00:01" });
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        using var app = await host.MiniAppAsync(appId, await host.CreateUserAsync("bob"));

        var response = await PostJson(app, "/api/v1/authorize?wait=10", new { scope = "scope.userLocation" }).WaitAsync(Patience);

        var result = await Json(response);
        Assert.Equal("prompt_timed_out", (string)result["error"]!["code"]!);
        Assert.Equal("authorize:fail timeout", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task CallEvents_PendingCall_StreamsPendingThenTheResult()
    {
        var pending = await Json(await PostJson(_app, "/api/v1/authorize?wait=0", new { scope = "scope.writePhotosAlbum" }));
        var stream = _app.GetStreamAsync((string)pending["eventsUrl"]!);
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "allow");

        using var reader = new StreamReader(await stream.WaitAsync(Patience));
        var text = await reader.ReadToEndAsync().WaitAsync(Patience);

        Assert.Contains("event: pending", text, StringComparison.Ordinal);
        Assert.Contains("event: result", text, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"ok\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiGate_DeniedScope_FailsWithTheApiName()
    {
        var call = PostJson(_app, "/api/v1/apis/getLocation/authorize?wait=15", new { });
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "deny");
        await call.WaitAsync(Patience);

        var result = await Json(await _app.PostAsync("/api/v1/apis/startLocationUpdate/authorize?wait=0", null));

        Assert.Equal("startLocationUpdate:fail auth deny", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task Catalog_Scope_ListsThePlatformsOwnApiNames()
    {
        var catalog = await Json(await _app.GetAsync("/api/v1/scopes/alipay"));

        var album = catalog["scopes"]!.AsArray().Single(s => (string)s!["name"]! == "scope.writePhotosAlbum")!;
        Assert.Equal(["saveImage", "saveImageToPhotosAlbum", "saveVideoToPhotosAlbum"], album["nativeApis"]!.AsArray().Select(a => (string)a!));
        Assert.Equal(["saveImage", "saveVideo"], album["apis"]!.AsArray().Select(a => (string)a!));
    }

    [Fact]
    public async Task ApiGate_WeChatPicker_AnswersAtOnceWithoutConsent()
    {
        var result = await Json(await _app.PostAsync("/api/v1/apis/chooseImage/authorize?wait=0", null));

        Assert.Equal("ok", (string)result["status"]!);
        Assert.Equal("chooseImage:ok", (string)result["native"]!["errMsg"]!);
        Assert.Empty((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
    }

    [Fact]
    public async Task Authorize_UnknownScope_FailsWithTheNativeInvalidScope()
    {
        var result = await Json(await PostJson(_app, "/api/v1/authorize", new { scope = "scope.nope" }));

        Assert.Equal("fail", (string)result["status"]!);
        Assert.Equal("authorize:fail invalid scope", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task GetSetting_AfterAnswers_ListsEachDecisionByItsKey()
    {
        await GrantAsync("scope.camera");

        var settings = await _app.GetFromJsonAsync<JsonObject>("/api/v1/settings");

        Assert.True((bool)settings!["authSetting"]!["scope.camera"]!);
        Assert.Equal("getSetting:ok", (string)settings["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task OpenSetting_ChangeInSettings_AppliesToTheNextCall()
    {
        await GrantAsync("scope.camera");
        var open = await Json(await _app.PostAsync("/api/v1/settings/open", null));
        var link = (string)open["settingsUrl"]!;
        Assert.StartsWith("/settings?app=", link, StringComparison.Ordinal);
        var appId = Uri.UnescapeDataString(link["/settings?app=".Length..]);

        var change = await _user.PutAsJsonAsync($"/api/v1/user/apps/{appId}/settings", new { scope = "scope.camera", state = "denied" });
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);

        var next = await Json(await PostJson(_app, "/api/v1/authorize?wait=0", new { scope = "scope.camera" }));
        Assert.Equal("authorize:fail auth deny", (string)next["errMsg"]!);
    }

    [Fact]
    public async Task Login_IssuesACodeThatTheAppServerExchanges()
    {
        var login = await Json(await _app.PostAsync("/api/v1/login", null));

        Assert.Equal("login:ok", (string)login["errMsg"]!);
        Assert.Equal(43, ((string)login["code"]!).Length);
    }

    [Fact]
    public async Task Authorize_Alipay_AnswersAuthCodeAndNativeScopeNames()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.Alipay);
        using var app = await _host.MiniAppAsync(appId, await _host.CreateUserAsync("alice"));

        var result = await Json(await PostJson(app, "/api/v1/authorize", new { scopes = new[] { "auth_base" } }));

        Assert.Equal("ok", (string)result["status"]!);
        Assert.Equal("auth_base", (string)result["native"]!["authSuccessScopes"]![0]!);
        Assert.False(string.IsNullOrEmpty((string)result["native"]!["authCode"]!));
    }

    private async Task GrantAsync(string scope)
    {
        var call = PostJson(_app, "/api/v1/authorize?wait=15", new { scope });
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "allow");
        Assert.Equal("ok", (string)(await Json(await call.WaitAsync(Patience)))["status"]!);
    }
}
