using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The demo's worker mode: the mini-app runs in the host's sandbox (a framed document with an opaque origin), its
/// logic in a Web Worker on the bridge (<c>/bridge/uni-bridge.js</c>), while the page shows the host's consent dialog.</summary>
public sealed class WorkerModeTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task WorkerMode_WeChatAuthorize_WorkerWaitsForThePagesDialogThenGetsTheNativePayload()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/?mode=worker", Pages.UniqueUser("worker"));
        await page.GetByTestId("worker-platform-wechat").ClickAsync();
        await page.GetByTestId("worker-scope").SelectOptionAsync("scope.userLocation");

        await page.GetByTestId("worker-run").ClickAsync();
        await Expect(page.GetByTestId("worker-status")).ToHaveTextAsync("pending");
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "allow", "scope.userLocation");

        await Expect(page.GetByTestId("worker-status")).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("worker-payload")).ToHaveTextAsync("{\n  \"errMsg\": \"authorize:ok\"\n}");
        await Expect(page.GetByTestId("worker-setting")).ToContainTextAsync("\"scope.userLocation\": true");
        // The worker ran in the sandbox: a frame the page made with scripts only, whose origin is opaque.
        await Expect(page.GetByTestId("worker-log")).ToContainTextAsync("wx installed by /bridge/uni-bridge.js, origin null");
        var sandbox = page.GetByTestId("mini-app-sandbox");
        await Expect(sandbox).ToHaveAttributeAsync("sandbox", "allow-scripts");
        await Expect(sandbox).ToHaveAttributeAsync("src", "/mini-app/sandbox");
        Assert.Equal("null", await page.Frames.Single(f => f.Url.EndsWith("/mini-app/sandbox", StringComparison.Ordinal)).EvaluateAsync<string>("() => self.origin"));

        // Again: the worker's call succeeds at once, with no dialog on the page.
        await page.GetByTestId("worker-run").ClickAsync();
        await Expect(page.GetByTestId("worker-log")).ToContainTextAsync("wx.authorize → success");
        await Expect(page.GetByTestId("worker-status")).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("consent-dialog")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task WorkerMode_AlipayDenied_WorkerGetsAlipaysRefusal()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/?mode=worker&platform=alipay", Pages.UniqueUser("worker-my"));
        await Expect(page.GetByTestId("worker-platform-alipay")).ToHaveAttributeAsync("aria-pressed", "true");
        await page.GetByTestId("worker-scope").SelectOptionAsync("scope.userInfo");

        await page.GetByTestId("worker-run").ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-app (Alipay)", "deny", "scope.userInfo");

        await Expect(page.GetByTestId("worker-status")).ToHaveTextAsync("fail");
        await Expect(page.GetByTestId("worker-payload")).ToContainTextAsync("\"error\": 11");
        await Expect(page.GetByTestId("worker-payload")).ToContainTextAsync("用户取消授权");
        // Alipay keeps no plain refusal of getAuthCode: the next call asks again, so getSetting lists nothing.
        await Expect(page.GetByTestId("worker-setting")).Not.ToContainTextAsync("\"userInfo\"");
    }
    [Fact]
    public async Task WorkerMode_WeChatGetLocation_TheWorkersCallAsksThenGetsThePagesPosition()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await page.Context.GrantPermissionsAsync(["geolocation"]);
        await page.Context.SetGeolocationAsync(new Geolocation { Latitude = 39.9042f, Longitude = 116.4074f, Accuracy = 30 });
        await Pages.SignInAsync(page, "/?mode=worker", Pages.UniqueUser("worker-api"));
        await page.GetByTestId("worker-platform-wechat").ClickAsync();
        await page.GetByTestId("worker-scope").SelectOptionAsync("scope.userLocation");
        await Expect(page.GetByTestId("worker-call")).ToHaveTextAsync("wx.getLocation · Worker");

        await page.GetByTestId("worker-call").ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "allow", "scope.userLocation");

        await Expect(page.GetByTestId("worker-status")).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("worker-payload")).ToContainTextAsync("\"latitude\": 39.90");
        await Expect(page.GetByTestId("worker-payload")).ToContainTextAsync("\"errMsg\": \"getLocation:ok\"");
        await Expect(page.GetByTestId("worker-log")).ToContainTextAsync("wx.getLocation → success");
    }
}
