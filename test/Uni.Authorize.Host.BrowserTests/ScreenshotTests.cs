using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>
/// Pictures of the consent dialog, the settings page and the demo page. They go to a temporary folder, or to the
/// folder in <c>UNI_AUTHORIZE_SCREENSHOTS</c> (the README's pictures: <c>UNI_AUTHORIZE_SCREENSHOTS=docs</c>).
/// </summary>
public sealed class ScreenshotTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Screenshots_ConsentSettingsAndDemo_AreCaptured()
    {
        var configured = Environment.GetEnvironmentVariable("UNI_AUTHORIZE_SCREENSHOTS") is { Length: > 0 } path ? Path.GetFullPath(path) : null;
        var folder = configured ?? Directory.CreateTempSubdirectory("uni-authorize-screenshots-").FullName;
        Directory.CreateDirectory(folder);
        try
        {
            await CaptureAsync(folder);
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

        foreach (var png in new[] { consent, demo, settings })
        {
            Assert.True(png.Length > 10_000, $"A screenshot of {png.Length} bytes shows nothing.");
            Assert.Equal(PngSignature, png[..8]);
        }
    }
}
