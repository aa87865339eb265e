using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>
/// Pictures of the consent dialog, the settings page, the demo page, and, with Chinese names, the user's data page and
/// the operator's console. They go to a temporary folder, or to the
/// folder in <c>UNI_AUTHORIZE_SCREENSHOTS</c> (the README's pictures: <c>UNI_AUTHORIZE_SCREENSHOTS=docs</c>).
/// </summary>
public sealed class ScreenshotTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Screenshots_EveryPage_AreCaptured()
    {
        var configured = Environment.GetEnvironmentVariable("UNI_AUTHORIZE_SCREENSHOTS") is { Length: > 0 } path ? Path.GetFullPath(path) : null;
        var folder = configured ?? Directory.CreateTempSubdirectory("uni-authorize-screenshots-").FullName;
        Directory.CreateDirectory(folder);
        try
        {
            await CaptureAsync(folder);
            await CaptureDataAndConsoleAsync(folder);
        }
        finally
        {
            if (configured is null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task CaptureAsync(string folder)
    {
        await using var tab = await browser.OpenAsync(host, scale: 2);
        var page = tab.Page;
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ReducedMotion = ReducedMotion.Reduce });
        var phone = page.Locator(".phone");
        await Pages.SignInAsync(page, "/?platform=wechat", "demo");

        // The consent dialog, over the demo page.
        await page.GetByTestId("scope-scope.userLocation").CheckAsync();
        await page.GetByTestId("authorize").ClickAsync();
        await Expect(page.GetByTestId("consent-dialog")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(400);
        var consent = await phone.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, "screenshot-consent.png") });
        await page.GetByTestId("consent-allow").ClickAsync();
        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("success");

        // The demo page with the payload.
        var demo = await phone.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, "screenshot-demo.png") });

        // The settings page, one switch per scope asked.
        await page.GetByTestId("scope-scope.camera").CheckAsync();
        await page.GetByTestId("authorize").ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "deny", "scope.camera");
        await page.GetByTestId("open-setting").ClickAsync();
        await Expect(page.GetByTestId("setting-scope.camera")).ToHaveAttributeAsync("data-state", "denied");
        var settings = await phone.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, "screenshot-settings.png") });

        AssertPictures(consent, demo, settings);
    }

    /// <summary>小明 allowed his location to 天气小助手 (which declared why it wants it) and it used it twice, then he turned
    /// it off in settings; he denied 记账本 the camera.</summary>
    private async Task CaptureDataAndConsoleAsync(string folder)
    {
        const string user = "小明";
        var userId = await host.CreateUserAsync(user);
        var (weatherId, weather) = await host.CreateAppAsync("wechat", "天气小助手");
        var (ledgerId, ledger) = await host.CreateAppAsync("bytedance", "记账本");
        await host.PutManifestAsync(weatherId, new Dictionary<string, object>
        {
            ["permission"] = new Dictionary<string, object> { ["scope.userLocation"] = new { desc = "用于显示你所在城市的天气预报" } },
            ["requiredPrivateInfos"] = new[] { "getLocation" },
        });
        await using (var tab = await browser.OpenAsync(host, scale: 2))
        {
            var page = tab.Page;
            await page.EmulateMediaAsync(new PageEmulateMediaOptions { ReducedMotion = ReducedMotion.Reduce });
            await Pages.SignInAsync(page, "/consent", user);
            foreach (var (appId, name, scope, answer) in new[] { (weatherId, weather, "scope.userLocation", "allow"), (ledgerId, ledger, "scope.camera", "deny") })
            {
                var miniApp = await host.MiniAppAsync(appId, userId);
                var (_, pending) = await miniApp.StartAuthorizeAsync(scope);
                if (appId == weatherId)
                {
                    await Expect(page.GetByTestId("consent-purpose")).ToBeVisibleAsync();
                    await page.WaitForTimeoutAsync(400);
                    AssertPictures(await page.Locator(".phone").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, "screenshot-purpose.png") }));
                }

                await Pages.AnswerConsentAsync(page, name, answer, scope);
                await miniApp.WaitAsync(pending);
                if (appId == weatherId)
                {
                    Assert.Equal("ok", (string?)(await miniApp.StartApiAsync("getLocation")).Body["status"]);
                    Assert.Equal("ok", (string?)(await miniApp.StartApiAsync("getLocation")).Body["status"]);
                }
            }

            // The report is written in the background about once a second: reload until both uses are there.
            var location = page.GetByTestId("access-scope.userLocation");
            var deadline = DateTime.UtcNow + HostProcess.Patience;
            do
            {
                await page.GotoAsync($"/settings?app={weatherId}");
                await Expect(page.GetByTestId("settings-app")).ToHaveTextAsync(weather);
            }
            while (!(await location.CountAsync() == 1 && (await location.InnerTextAsync()).Contains("2 次", StringComparison.Ordinal)) && DateTime.UtcNow < deadline);
            await Expect(location).ToContainTextAsync("今天使用地理位置 2 次");
            AssertPictures(await page.Locator(".phone").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, "screenshot-access-report.png") }));

            await page.GetByTestId("switch-scope.userLocation").SetCheckedAsync(false);
            await Expect(page.GetByTestId("setting-scope.userLocation")).ToHaveAttributeAsync("data-state", "denied");
            await page.GotoAsync("/my-data");
            await Expect(page.GetByTestId("data-app")).ToHaveCountAsync(2);
            AssertPictures(await page.Locator(".phone").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(folder, "screenshot-my-data.png") }));
        }

        await using (var tab = await browser.OpenAsync(host, width: 1600, height: 900))
        {
            var page = tab.Page;
            await Pages.SignInAsOperatorAsync(page, host);
            await page.GetByTestId("user-query").FillAsync(userId);
            await page.GetByTestId("user-query").PressAsync("Enter");
            await page.Locator($"[data-user='{userId}']").ClickAsync();
            await Expect(page.Locator($"[data-history='{weatherId}'] [data-testid=trail-entry]")).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("pending")).ToBeVisibleAsync();
            AssertPictures(await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "screenshot-console.png") }));
        }
    }

    private static void AssertPictures(params byte[][] pictures)
    {
        foreach (var png in pictures)
        {
            Assert.True(png.Length > 10_000, $"A screenshot of {png.Length} bytes shows nothing.");
            Assert.Equal(PngSignature, png[..8]);
        }
    }
}
