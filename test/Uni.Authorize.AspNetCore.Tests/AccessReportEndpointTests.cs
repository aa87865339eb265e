using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class AccessReportEndpointTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private string _appId = null!;
    private string _userId = null!;
    private HttpClient _app = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync()
    {
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        _userId = await _host.CreateUserAsync("alice");
        _app = await _host.MiniAppAsync(_appId, _userId);
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task DecideAsync(string userId, string scope, DecisionState state) =>
        await new DecisionManager(_host.Services.GetRequiredService<Authorizer>()).SetDecisionAsync(new Subject(_appId, userId), scope, state,
            DecisionSource.Prompt, Platform.WeChat, TestContext.Current.CancellationToken);

    private static async Task CallAsync(HttpClient app, string api, string status)
    {
        var result = await Json(await app.PostAsync($"/api/v1/apis/{api}/authorize?wait=0", null));
        Assert.Equal(status, (string)result["status"]!);
    }

    // The background writer runs every second; the report is read after what the gate buffered is written.
    private Task FlushAsync() => _host.Services.GetRequiredService<AccessRecorder>().FlushAsync(TestContext.Current.CancellationToken).WaitAsync(Patience);

    private async Task UseLocationAndPickerAsync()
    {
        await DecideAsync(_userId, "scope.userLocation", DecisionState.Granted);
        await DecideAsync(_userId, "scope.camera", DecisionState.Denied);
        await CallAsync(_app, "getLocation", "ok");
        await CallAsync(_app, "getLocation", "ok");
        await CallAsync(_app, "startLocationUpdate", "ok");
        await CallAsync(_app, "chooseImage", "ok");
        await CallAsync(_app, "CameraContext.takePhoto", "fail");
        await FlushAsync();
    }

    [Fact]
    public async Task GetAccess_AfterGatedCalls_PerAppAndScopeCountsTodayTheWindowAndTheLastUse()
    {
        var before = DateTimeOffset.UtcNow;
        await UseLocationAndPickerAsync();

        var response = await _user.GetAsync("/api/v1/user/access");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var report = await Json(response);
        var app = Assert.Single(report["apps"]!.AsArray())!;
        Assert.Equal(_appId, (string)app["app"]!["id"]!);
        var scopes = app["scopes"]!.AsArray();
        Assert.Equal(["", "scope.userLocation"], scopes.Select(s => (string)s!["scope"]!));
        var location = scopes[1]!;
        Assert.Equal((3, 3), ((int)location["today"]!, (int)location["count"]!));
        Assert.Equal(["getLocation", "startLocationUpdate"], location["apis"]!.AsArray().Select(a => (string)a!));
        Assert.InRange((DateTimeOffset)location["lastAt"]!, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(["chooseImage"], scopes[0]!["apis"]!.AsArray().Select(a => (string)a!));
    }

    [Fact]
    public async Task GetAccess_TodayOfTheUsersZone_CountsFromThere()
    {
        await UseLocationAndPickerAsync();
        var future = DateTimeOffset.UtcNow.AddMinutes(1).ToString("O");

        var report = await Json(await _user.GetAsync($"/api/v1/user/access?appId={_appId}&today={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}"));

        Assert.Equal(3, (int)report["apps"]![0]!["scopes"]![1]!["today"]!);
        Assert.Equal(HttpStatusCode.BadRequest, (await _user.GetAsync($"/api/v1/user/access?today={Uri.EscapeDataString(future)}")).StatusCode);
    }

    [Theory]
    [InlineData("today=yesterday")]
    [InlineData("today=2020-01-01T00:00:00Z")]
    public async Task GetAccess_BadToday_BadRequestNamingIt(string query)
    {
        var response = await _user.GetAsync($"/api/v1/user/access?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_today", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task GetAccess_AnotherUsersUses_NotShown()
    {
        await UseLocationAndPickerAsync();
        await _host.CreateUserAsync("bob");
        using var bob = await _host.UserAsync("bob");

        var report = await Json(await bob.GetAsync("/api/v1/user/access"));

        Assert.Empty(report["apps"]!.AsArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CreateClient().GetAsync("/api/v1/user/access")).StatusCode);
    }

    [Fact]
    public async Task AdminAccessReport_TwoUsers_CountsUsesAndUsersPerAppScopeAndApi()
    {
        await UseLocationAndPickerAsync();
        var bobId = await _host.CreateUserAsync("bob");
        await DecideAsync(bobId, "scope.userLocation", DecisionState.Granted);
        using var bobApp = await _host.MiniAppAsync(_appId, bobId);
        await CallAsync(bobApp, "getLocation", "ok");
        await FlushAsync();
        using var admin = _host.Admin();

        var response = await admin.GetAsync($"/admin/v1/access-report?appId={_appId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var uses = (await Json(response))["uses"]!.AsArray();
        Assert.Equal(["/chooseImage 1x1", "scope.userLocation/getLocation 3x2", "scope.userLocation/startLocationUpdate 1x1"],
            uses.Select(u => $"{u!["scope"]}/{u["api"]} {u["count"]}x{u["users"]}"));
        Assert.Empty((await Json(await admin.GetAsync($"/admin/v1/access-report?since={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"))}&appId=other")))["uses"]!.AsArray());
    }

    [Theory]
    [InlineData("since=soon")]
    [InlineData("since=2999-01-01T00:00:00Z")]
    [InlineData("appId=%20")]
    public async Task AdminAccessReport_BadQuery_BadRequest(string query)
    {
        using var admin = _host.Admin();

        var response = await admin.GetAsync($"/admin/v1/access-report?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AdminAccessReport_WithoutKey_Unauthorized()
    {
        var response = await _host.CreateClient().GetAsync("/admin/v1/access-report");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task DataExportAndErasure_AccessRecords_ExportedThenErased()
    {
        await UseLocationAndPickerAsync();

        var export = await Json(await _user.GetAsync("/api/v1/user/data"));
        var access = Assert.Single(export["apps"]!.AsArray())!["access"]!.AsArray();
        Assert.Equal(["scope.userLocation/getLocation", "scope.userLocation/getLocation", "scope.userLocation/startLocationUpdate", "/chooseImage"],
            access.Select(a => $"{a!["scope"]}/{a["api"]}"));

        // One more use waits in the buffer when the erasure comes: it must not outlive it.
        await CallAsync(_app, "getLocation", "ok");
        var erased = await Json(await _user.DeleteAsync("/api/v1/user/data"));

        Assert.Equal(5, (int)erased["accessRecords"]!);
        await FlushAsync();
        Assert.Empty(await _host.Services.GetRequiredService<IAccessRecordStore>().ListUserAsync(_userId, TestContext.Current.CancellationToken));
    }
}
