using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class UserDataTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private string _appId = null!;
    private string _userId = null!;
    private HttpClient _app = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync() => (_appId, _userId, _app, _user) = await _host.AliceInAWeChatAppAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    // The settings page shows only scopes the app asked for: the first answer comes as the dialog's would.
    private async Task SetAsync(string scope, string state)
    {
        var authorizer = _host.Services.GetRequiredService<Authorizer>();
        var subject = new Subject(_appId, _userId);
        if (await _host.Services.GetRequiredService<IDecisionStore>().GetAsync(subject, scope, TestContext.Current.CancellationToken) is null)
        {
            await new DecisionManager(authorizer).SetDecisionAsync(subject, scope, state == "granted" ? DecisionState.Granted : DecisionState.Denied, DecisionSource.Prompt,
                Platform.WeChat, TestContext.Current.CancellationToken);
            return;
        }

        var response = await _user.PutAsJsonAsync($"/api/v1/user/apps/{_appId}/settings", new { scope, state });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task GetData_AfterSettingsChanges_OneAttachmentWithProfileDecisionsAuditAndSessionsWithoutTokens()
    {
        await SetAsync("scope.camera", "granted");
        await SetAsync("scope.camera", "denied");

        var response = await _user.GetAsync("/api/v1/user/data");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var text = await response.Content.ReadAsStringAsync();
        var token = _app.DefaultRequestHeaders.Authorization!.Parameter!;
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))), text,
            StringComparison.Ordinal);
        var export = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("alice", (string)export["profile"]!["name"]!);
        var app = Assert.Single(export["apps"]!.AsArray())!;
        Assert.Equal(_appId, (string)app["app"]!["id"]!);
        var decision = Assert.Single(app["decisions"]!.AsArray())!;
        Assert.Equal(("scope.camera", "denied", "settings"), ((string)decision["scope"]!, (string)decision["state"]!, (string)decision["source"]!));
        Assert.Equal(["notDetermined>granted dialog", "granted>denied settings"],
            app["audit"]!.AsArray().Select(a => $"{a!["from"]}>{a["to"]} {a["source"]}"));
        var session = Assert.Single(export["sessions"]!.AsArray())!;
        Assert.Equal(_appId, (string)session["appId"]!);
    }

    [Fact]
    public async Task Withdraw_TwoDecisions_EveryDecisionBackToNotDeterminedAuditedAsSettings()
    {
        await SetAsync("scope.camera", "granted");
        await SetAsync("scope.userLocation", "denied");

        var response = await _user.PostAsync($"/api/v1/user/apps/{_appId}/withdraw", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var history = await Json(response);
        Assert.Equal(["scope.camera", "scope.userLocation"], history["scopes"]!.AsArray().Select(s => (string)s!["scope"]!));
        foreach (var scope in history["scopes"]!.AsArray())
        {
            Assert.Equal("notDetermined", (string)scope!["decision"]!["state"]!);
            var last = scope["history"]!.AsArray()[^1]!;
            Assert.Equal(("notDetermined", "settings"), ((string)last["to"]!, (string)last["source"]!));
        }

        var again = await Json(await _user.GetAsync($"/api/v1/user/apps/{_appId}/history"));
        Assert.Equal(2, again["scopes"]!.AsArray()[0]!["history"]!.AsArray().Count);
    }

    [Fact]
    public async Task History_UnknownApp_NotFoundProblem()
    {
        var response = await _user.GetAsync("/api/v1/user/apps/no-such-app/history");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("app_not_found", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task DeleteData_WithoutAntiforgeryToken_RefusedAndNothingErased()
    {
        await SetAsync("scope.camera", "granted");
        _user.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var response = await _user.DeleteAsync("/api/v1/user/data");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await RefreshAntiforgeryAsync(_user);
        Assert.Single((await Json(await _user.GetAsync("/api/v1/user/data")))["apps"]!.AsArray());
    }

    [Fact]
    public async Task DeleteData_SignedInUser_ErasesEverythingSignsOutAndKeepsTheAuditCount()
    {
        await SetAsync("scope.camera", "granted");
        await SetAsync("scope.camera", "denied");

        var response = await _user.DeleteAsync("/api/v1/user/data");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var erased = await Json(response);
        Assert.True((bool)erased["profile"]!);
        Assert.Equal((1, 1, 2), ((int)erased["sessions"]!, (int)erased["decisions"]!, (int)erased["auditEntriesKept"]!));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _user.GetAsync("/api/v1/user/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.GetAsync("/api/v1/session")).StatusCode);
        using var admin = _host.Admin();
        var export = await Json(await admin.GetAsync($"/admin/v1/users/{_userId}/data"));
        Assert.Null(export["profile"]);
        Assert.Empty(export["apps"]!.AsArray());
        Assert.Empty(export["sessions"]!.AsArray());
        var store = _host.Services.GetRequiredService<IDecisionStore>();
        Assert.Empty(await store.GetUserAuditAsync(_userId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AdminData_ExportThenErase_SameDocumentAsTheUsersAndTheSessionStopsAtOnce()
    {
        await SetAsync("scope.record", "granted");
        using var admin = _host.Admin();

        var export = await Json(await admin.GetAsync($"/admin/v1/users/{_userId}/data"));
        var erase = await admin.DeleteAsync($"/admin/v1/users/{_userId}/data");

        Assert.Equal("scope.record", (string)export["apps"]![0]!["decisions"]![0]!["scope"]!);
        Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        Assert.Equal(1, (int)(await Json(erase))["auditEntriesKept"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.GetAsync("/api/v1/session")).StatusCode);
        Assert.Empty((await Json(await admin.GetAsync($"/admin/v1/users/{_userId}/data")))["apps"]!.AsArray());
    }

    [Theory]
    [InlineData("erased:0123456789abcdef")]
    [InlineData("%20")]
    public async Task AdminData_InvalidUserId_BadRequestProblem(string userId)
    {
        using var admin = _host.Admin();

        var export = await admin.GetAsync($"/admin/v1/users/{userId}/data");
        var erase = await admin.DeleteAsync($"/admin/v1/users/{userId}/data");

        Assert.Equal(HttpStatusCode.BadRequest, export.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, erase.StatusCode);
        Assert.Equal("invalid_user_id", (string)(await Json(erase))["code"]!);
    }

    [Fact]
    public async Task AdminData_WithoutTheAdminKey_Unauthorized()
    {
        using var anonymous = _host.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync($"/admin/v1/users/{_userId}/data")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/admin/v1/users/{_userId}/data")).StatusCode);
    }
}
