using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class LifetimeAnswerEndpointTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private HttpClient _user = null!;
    private string _appId = null!;
    private string _userId = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        _userId = await _host.CreateUserAsync("alice");
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync()
    {
        _user.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<(HttpClient App, string Token)> SessionAsync()
    {
        using var admin = _host.Admin();
        var issued = await Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId = _userId }, Ct));
        var app = _host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        app.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (string)issued["token"]!);
        return (app, (string)issued["token"]!);
    }

    private async Task<JsonObject> AnsweredAsync(HttpClient app, string scope, string answer)
    {
        var call = PostJson(app, "/api/v1/authorize?wait=15", new { scope });
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, answer);
        return await Json(await call.WaitAsync(Patience, Ct));
    }

    [Fact]
    public async Task Answer_AllowOnce_CallGetsTheNormalPayloadAndTheNextCallAsksAgain()
    {
        var (app, _) = await SessionAsync();
        using var _ = app;

        var first = await AnsweredAsync(app, "scope.camera", "allowOnce");
        var next = await PostJson(app, "/api/v1/authorize?wait=0", new { scope = "scope.camera" });

        Assert.Equal("ok", (string)first["status"]!);
        Assert.Equal("""{"errMsg":"authorize:ok"}""", first["native"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
    }

    [Fact]
    public async Task Answer_AllowWhileUsing_HoldsUntilTheSessionIsRevokedAndSettingsShowIt()
    {
        var (app, token) = await SessionAsync();
        using var _ = app;
        using var admin = _host.Admin();

        var first = await AnsweredAsync(app, "scope.userLocation", "allowWhileUsing");
        var during = await PostJson(app, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" });
        var settings = await _user.GetFromJsonAsync<JsonObject>($"/api/v1/user/apps/{_appId}/settings", Ct);
        (await admin.PostAsJsonAsync("/admin/v1/sessions/revoke", new { token }, Ct)).EnsureSuccessStatusCode();
        var (again, _) = await SessionAsync();
        using var __ = again;
        var after = await PostJson(again, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" });

        Assert.Equal("ok", (string)first["status"]!);
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        Assert.Equal("whileUsing", (string)settings!["entries"]!.AsArray().Single(e => (string)e!["scope"]! == "scope.userLocation")!["lifetime"]!);
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task DisableApp_WhileUsingGrant_EndedWhileStandingGrantStays()
    {
        var (app, _) = await SessionAsync();
        using var _ = app;
        using var admin = _host.Admin();
        await AnsweredAsync(app, "scope.userLocation", "allowWhileUsing");
        await AnsweredAsync(app, "scope.camera", "allow");

        (await admin.PostAsync($"/admin/v1/apps/{_appId}/disable", null, Ct)).EnsureSuccessStatusCode();
        var (decisions, _) = await _host.Services.GetRequiredService<DecisionManager>().ExportAsync(new Subject(_appId, _userId), Ct);

        Assert.Equal(DecisionState.NotDetermined, decisions.Single(d => d.Scope == "scope.userLocation").State);
        Assert.Equal(DecisionState.Granted, decisions.Single(d => d.Scope == "scope.camera").State);
    }

    [Fact]
    public async Task SignOut_WhileUsingGrant_EndedAndTheNextCallAsksAgain()
    {
        var (app, _) = await SessionAsync();
        using var _ = app;
        await AnsweredAsync(app, "scope.userLocation", "allowWhileUsing");

        (await _user.PostAsync("/api/v1/user/sign-out", null, Ct)).EnsureSuccessStatusCode();
        var after = await PostJson(app, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" });

        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task Answer_AllowWhileUsingForCamera_400AndTheConsentStaysOpen()
    {
        var (app, _) = await SessionAsync();
        using var _ = app;
        var call = PostJson(app, "/api/v1/authorize?wait=0", new { scope = "scope.camera" });
        var consent = await PendingConsentAsync(_user);

        var response = await _user.PostAsJsonAsync($"/api/v1/user/consents/{consent["id"]}/answer", new { answer = "allowWhileUsing" }, Ct);

        Assert.False((bool)consent["offersWhileUsing"]!);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_answer", (string)(await Json(response))["code"]!);
        await AnswerAsync(_user, (string)consent["id"]!, "deny");
        await call;
    }
}
