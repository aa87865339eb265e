using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The demo mini-app at <c>/</c>, end to end: the seed's preview on the seeded demo apps.</summary>
public sealed class DemoPageTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task DemoPage_AuthorizeAgainOpenSettingAndAgain_FollowsTheSeedsPreview()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/", Pages.UniqueUser("demo"));
        await page.GetByTestId("platform-wechat").ClickAsync();
        await page.GetByTestId("scope-scope.userLocation").CheckAsync();
        var status = page.GetByTestId("result-status");
        var payload = page.GetByTestId("payload");

        // First press: the dialog asks; allowing shows the native payload.
        await page.GetByTestId("authorize").ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "allow", "scope.userLocation");
        await Expect(status).ToHaveTextAsync("success");
        await Expect(payload).ToContainTextAsync("\"errMsg\": \"authorize:ok\"");
        await Expect(page.GetByTestId("state-scope.userLocation")).ToContainTextAsync("已允许");

        // Second press: no dialog (a pending call would wait for an answer nobody gives).
        await page.GetByTestId("get-setting").ClickAsync();
        await Expect(payload).ToContainTextAsync("getSetting:ok");
        await page.GetByTestId("authorize").ClickAsync();
        await Expect(payload).ToContainTextAsync("authorize:ok");
        await Expect(status).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("consent-dialog")).ToHaveCountAsync(0);

        // openSetting: the settings page, switch off, come back with the new settings.
        await page.GetByTestId("open-setting").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/settings\\?app=demo-wechat&"));
        await page.GetByTestId("switch-scope.userLocation").SetCheckedAsync(false);
        await Expect(page.GetByTestId("setting-scope.userLocation")).ToHaveAttributeAsync("data-state", "denied");
        await page.GetByTestId("back").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/\\?platform=wechat$"));
        await Expect(payload).ToContainTextAsync("openSetting:ok");
        await Expect(payload).ToContainTextAsync("\"scope.userLocation\": false");

        // Third press: fails at once, no dialog.
        await page.GetByTestId("authorize").ClickAsync();
        await Expect(status).ToHaveTextAsync("fail");
        await Expect(payload).ToContainTextAsync("authorize:fail auth deny");
        await Expect(page.GetByTestId("consent-dialog")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("state-scope.userLocation")).ToContainTextAsync("已拒绝");
    }

    [Fact]
    public async Task DemoPage_AlipaySeveralScopes_OneDialogAndAnAuthCode()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/?platform=alipay", Pages.UniqueUser("alipay"));
        await Expect(page.GetByTestId("platform-alipay")).ToHaveAttributeAsync("aria-pressed", "true");
        // The page starts with location chosen; my.getAuthCode takes Alipay's auth scopes only, so this call asks for two.
        await page.GetByTestId("scope-scope.userLocation").UncheckAsync();
        await page.GetByTestId("scope-scope.userInfo").CheckAsync();
        await page.GetByTestId("scope-auth_zhima").CheckAsync();

        await page.GetByTestId("authorize").ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-app (Alipay)", "allow", "scope.userInfo", "auth_zhima");
        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("\"authCode\"");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("auth_user");
    }

    [Fact]
    public async Task DemoPage_Deny_SecondPressFailsWithoutDialog()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/?platform=bytedance", Pages.UniqueUser("tt"));
        await page.GetByTestId("scope-scope.writePhotosAlbum").CheckAsync();

        await page.GetByTestId("authorize").ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo micro-app (ByteDance)", "deny", "scope.writePhotosAlbum");
        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("fail");

        await page.GetByTestId("get-setting").ClickAsync();
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("\"scope.album\": false");
        await page.GetByTestId("authorize").ClickAsync();
        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("fail");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("authorize:fail");
        await Expect(page.GetByTestId("consent-dialog")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task DemoPage_KeyboardOnly_DialogKeepsFocusAndAStrayEnterGrantsNothing()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/?platform=wechat", Pages.UniqueUser("keys"));
        await page.GetByTestId("scope-scope.camera").CheckAsync();
        var dialog = page.GetByTestId("consent-dialog");
        var status = page.GetByTestId("result-status");

        // Enter on authorize opens the dialog; a second Enter, pressed before reading it, must not answer it.
        await page.GetByTestId("authorize").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToBeVisibleAsync();
        Assert.Equal("inside:consent-dialog", await Pages.FocusAsync(page));
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForTimeoutAsync(700);
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(status).ToHaveTextAsync("pending");

        await Pages.KeepsFocusInDialogAsync(page, "Tab", 12);
        await Pages.KeepsFocusInDialogAsync(page, "Shift+Tab", 5);
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(status).ToHaveTextAsync("fail");
        await Expect(page.GetByTestId("state-scope.camera")).ToHaveCountAsync(0);
    }
    // A 1 x 1 PNG, the picture the user picks.
    private static readonly byte[] Picture = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    [Fact]
    public async Task DemoPage_CallTheApi_AsksThenReturnsTheBrowsersPositionAndSavesADownload()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await page.Context.GrantPermissionsAsync(["geolocation"]);
        await page.Context.SetGeolocationAsync(new Geolocation { Latitude = 31.2304f, Longitude = 121.4737f, Accuracy = 20 });
        await Pages.SignInAsync(page, "/?platform=wechat", Pages.UniqueUser("api"));
        var status = page.GetByTestId("result-status");
        var payload = page.GetByTestId("payload");
        var call = page.GetByTestId("call-api");

        await page.GetByTestId("scope-scope.userLocation").CheckAsync();
        await Expect(call).ToHaveTextAsync("wx.getLocation");
        await call.ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "allow", "scope.userLocation");
        await Expect(status).ToHaveTextAsync("success");
        await Expect(payload).ToContainTextAsync("\"latitude\": 31.23");
        await Expect(payload).ToContainTextAsync("\"longitude\": 121.47");
        await Expect(payload).ToContainTextAsync("getLocation:ok");

        await page.GetByTestId("scope-scope.writePhotosAlbum").CheckAsync();
        await Expect(call).ToHaveTextAsync("wx.saveImageToPhotosAlbum");
        var download = page.WaitForDownloadAsync();
        await call.ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "allow", "scope.writePhotosAlbum");
        var saved = await download;
        Assert.Equal("uni-authorize-saveImageToPhotosAlbum.png", saved.SuggestedFilename);
        var file = await saved.PathAsync();
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], (await File.ReadAllBytesAsync(file)).Take(4));
        await Expect(status).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("result-note")).ToContainTextAsync(saved.SuggestedFilename);
    }

    [Fact]
    public async Task DemoPage_CallTheApiDenied_FailsAtOnceWithTheApisPayload()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/?platform=baidu", Pages.UniqueUser("swan"));
        await page.GetByTestId("scope-scope.calendar").CheckAsync();
        var call = page.GetByTestId("call-api");
        await Expect(call).ToHaveTextAsync("swan.addEventOnCalendar");

        await call.ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo smart program (Baidu)", "deny", "scope.calendar");
        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("fail");
        await call.ClickAsync();

        await Expect(page.GetByTestId("payload")).ToContainTextAsync("addEventOnCalendar:fail auth deny");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("10003");
        await Expect(page.GetByTestId("consent-dialog")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task DemoPage_CallTheApi_KuaishouUserInfoIsTheProfileSetOnTheSettingsPage()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/settings", Pages.UniqueUser("ks"));
        await page.GetByTestId("profile-nickname").FillAsync("快手小明");
        await page.GetByTestId("profile-save").ClickAsync();
        await Expect(page.GetByTestId("profile-error")).ToBeEmptyAsync();
        await page.GotoAsync("/?platform=kuaishou");
        await page.GetByTestId("scope-scope.userInfo").CheckAsync();
        var call = page.GetByTestId("call-api");
        await Expect(call).ToHaveTextAsync("ks.getUserInfo");

        await call.ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-program (Kuaishou)", "allow", "scope.userInfo");

        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("\"nickName\": \"快手小明\"");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("getUserInfo:ok");
    }

    [Fact]
    public async Task BrowserApis_ScanCode_RunsOnlyWhereTheBrowserHasBarcodeDetector()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await page.GotoAsync("/consent");

        var found = await page.EvaluateAsync<bool[]>("""
            async () => {
              const apis = await import('/assets/browser-apis.js');
              return ['BarcodeDetector' in globalThis, apis.providerOf('scanCode') !== null, apis.providerOf('chooseImage') !== null];
            }
            """);

        // Debian's desktop Chromium has no Shape Detection API: scanCode then fails the platform's "not supported" way.
        Assert.Equal(found[0], found[1]);
        Assert.True(found[2]);
    }

    [Fact]
    public async Task DemoPage_CallTheApi_PicksAFileAfterTheCameraConsent()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/?platform=bytedance", Pages.UniqueUser("pick"));
        await page.GetByTestId("scope-scope.camera").CheckAsync();
        var call = page.GetByTestId("call-api");
        await Expect(call).ToHaveTextAsync("tt.chooseImage");

        var chooser = page.WaitForFileChooserAsync();
        await call.ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo micro-app (ByteDance)", "allow", "scope.camera");
        await (await chooser).SetFilesAsync(new FilePayload { Name = "cat.png", MimeType = "image/png", Buffer = Picture });

        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("\"cat.png\"");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("chooseImage:ok");
        await Expect(page.GetByTestId("picked-image")).ToBeVisibleAsync();
    }
    [Fact]
    public async Task DemoPage_CallTheApi_RecordsFromTheMicrophoneAfterTheConsent()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await page.Context.GrantPermissionsAsync(["microphone"]);
        await Pages.SignInAsync(page, "/?platform=wechat", Pages.UniqueUser("record"));
        await page.GetByTestId("scope-scope.record").CheckAsync();
        var call = page.GetByTestId("call-api");
        await Expect(call).ToHaveTextAsync("wx.startRecord");

        var download = page.WaitForDownloadAsync();
        await call.ClickAsync();
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "allow", "scope.record");
        var saved = await download;

        Assert.Equal("uni-authorize-recording.webm", saved.SuggestedFilename);
        Assert.True(new FileInfo(await saved.PathAsync()).Length > 0, "the recording has data");
        await Expect(page.GetByTestId("result-status")).ToHaveTextAsync("success");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("startRecord:ok");
        await Expect(page.GetByTestId("payload")).ToContainTextAsync("\"tempFilePath\": \"uni-authorize-recording.webm\"");
    }
}
