using System.Net;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>An app that stops waiting (the bridge's own timeout, a caller that gave up) withdraws its pending call: the
/// call ends as cancelled and the consent leaves the user's list once no other call waits for it.</summary>
public sealed class WithdrawCallTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private HttpClient _app = null!;
    private HttpClient _otherApp = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var (otherAppId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var userId = await _host.CreateUserAsync("walter");
        _app = await _host.MiniAppAsync(appId, userId);
        _otherApp = await _host.MiniAppAsync(otherAppId, userId);
        _user = await _host.UserAsync("walter");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WithdrawCall_OnlyCallWaiting_EndsCancelledAndTheConsentLeavesTheList()
    {
        var pending = await AskAsync(_app);
        await PendingConsentAsync(_user);

        var withdrawn = await _app.DeleteAsync((string)pending["pollUrl"]!).WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.NoContent, withdrawn.StatusCode);
        var result = await Json(await _app.GetAsync((string)pending["pollUrl"]!).WaitAsync(Patience));
        Assert.Equal("fail", (string)result["status"]!);
        Assert.Equal("canceled", (string)result["error"]!["code"]!);
        await ListEmptiesAsync();
    }

    [Fact]
    public async Task WithdrawCall_AnotherCallStillWaits_ConsentStaysAndTheOtherCallGetsTheAnswer()
    {
        var first = await AskAsync(_app);
        var second = await AskAsync(_app);
        var consent = await PendingConsentAsync(_user);

        Assert.Equal(HttpStatusCode.NoContent, (await _app.DeleteAsync((string)first["pollUrl"]!).WaitAsync(Patience)).StatusCode);
        await Task.Delay(300);
        Assert.Equal((string)consent["id"]!, (string)(await PendingConsentAsync(_user))["id"]!);
        await AnswerAsync(_user, (string)consent["id"]!, "allow");

        var answer = await Json(await _app.GetAsync((string)second["pollUrl"]! + "?wait=10").WaitAsync(Patience));
        Assert.Equal("authorize:ok", (string)answer["errMsg"]!);
    }

    [Fact]
    public async Task WithdrawCall_OfAnotherApp_IsNotFoundAndChangesNothing()
    {
        var pending = await AskAsync(_app);
        await PendingConsentAsync(_user);

        var refused = await _otherApp.DeleteAsync((string)pending["pollUrl"]!).WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("call_not_found", (string)(await Json(refused))["code"]!);
        Assert.Equal(HttpStatusCode.Accepted, (await _app.GetAsync((string)pending["pollUrl"]! + "?wait=0").WaitAsync(Patience)).StatusCode);
    }

    private static async Task<JsonObject> AskAsync(HttpClient app)
    {
        var response = await PostJson(app, "/api/v1/authorize?wait=0", new { scope = "scope.record" }).WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await Json(response);
    }

    private async Task ListEmptiesAsync()
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var list = await Json(await _user.GetAsync("/api/v1/user/consents").WaitAsync(Patience));
            if (list["consents"]!.AsArray().Count == 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The withdrawn call's consent stayed in the user's list.");
    }
}
