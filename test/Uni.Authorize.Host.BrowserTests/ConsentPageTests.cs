using System.Net;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>A mini-app asks over HTTP; the user answers in the consent page in Chromium.</summary>
public sealed class ConsentPageTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task ConsentPage_Allow_GrantsAndNextCallSucceedsWithoutDialog()
    {
        var user = Pages.UniqueUser("grant");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "Grant App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (status, pending) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var dialog = page.GetByTestId("consent-dialog");
        await Expect(dialog).ToContainTextAsync("地理位置");
        await Expect(dialog).ToContainTextAsync("Location");
        await Pages.AnswerConsentAsync(page, appName, "allow", "scope.userLocation");

        var answer = await miniApp.WaitAsync(pending);
        Assert.Equal("ok", (string?)answer["status"]);
        Assert.Equal("authorize:ok", (string?)answer["native"]!["errMsg"]);
        await Expect(page.GetByTestId("consent-answer")).ToContainTextAsync("已允许");

        var (againStatus, again) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.Equal("authorize:ok", (string?)again["native"]!["errMsg"]);
        await page.WaitForTimeoutAsync(500);
        await Expect(dialog).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ConsentPage_DeclaredPurpose_ShownAsTextBesideTheScope()
    {
        var user = Pages.UniqueUser("purpose");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "Purpose App " + user);
        const string Purpose = "用于推荐附近门店 <b>and</b> delivery";
        await host.PutManifestAsync(appId, new Dictionary<string, object>
        {
            ["permission"] = new Dictionary<string, object> { ["scope.userLocation"] = new { desc = Purpose } },
        });
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        var scope = page.GetByTestId("consent-dialog").GetByTestId("consent-scope");
        await Expect(scope.GetByTestId("consent-purpose")).ToHaveTextAsync("用途 Purpose: " + Purpose);
        await Expect(scope.Locator("b")).ToHaveCountAsync(0);
        await Pages.AnswerConsentAsync(page, appName, "allow", "scope.userLocation");

        Assert.Equal("ok", (string?)(await miniApp.WaitAsync(pending))["status"]);
    }

    [Fact]
    public async Task ConsentPage_AllowOnce_CallSucceedsAndTheNextCallAsksAgain()
    {
        var user = Pages.UniqueUser("once");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("bytedance", "Once App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.camera");
        await Expect(page.GetByTestId("consent-allowWhileUsing")).ToHaveCountAsync(0);
        await Pages.AnswerConsentAsync(page, appName, "allowOnce", "scope.camera");
        var answer = await miniApp.WaitAsync(pending);

        Assert.Equal("ok", (string?)answer["status"]);
        Assert.Equal("authorize:ok", (string?)answer["native"]!["errMsg"]);
        Assert.Equal("ok", (string?)answer["native"]!["data"]!["scope.camera"]);
        var (againStatus, again) = await miniApp.StartAuthorizeAsync("scope.camera");
        Assert.Equal(HttpStatusCode.Accepted, againStatus);
        await Pages.AnswerConsentAsync(page, appName, "deny", "scope.camera");
        Assert.Equal("fail", (string?)(await miniApp.WaitAsync(again))["status"]);
    }

    [Fact]
    public async Task ConsentPage_AllowWhileUsing_GrantsAndTheSettingsPageShowsTheLifetime()
    {
        var user = Pages.UniqueUser("using");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "Using App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        await Pages.AnswerConsentAsync(page, appName, "allowWhileUsing", "scope.userLocation");
        Assert.Equal("ok", (string?)(await miniApp.WaitAsync(pending))["status"]);
        var (againStatus, _) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        Assert.Equal(HttpStatusCode.OK, againStatus);

        await page.GotoAsync($"/settings?app={appId}");
        await Expect(page.GetByTestId("lifetime-scope.userLocation")).ToContainTextAsync("While using");
    }

    [Fact]
    public async Task ConsentPage_Deny_SecondCallFailsAtOnceWithoutDialog()
    {
        var user = Pages.UniqueUser("deny");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("baidu", "Deny App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.camera");
        await Pages.AnswerConsentAsync(page, appName, "deny", "scope.camera");
        var answer = await miniApp.WaitAsync(pending);
        Assert.Equal("fail", (string?)answer["status"]);
        Assert.Equal("authorize:fail auth deny", (string?)answer["native"]!["errMsg"]);
        Assert.Equal(10003, (int?)answer["native"]!["errCode"]);

        var (againStatus, again) = await miniApp.StartAuthorizeAsync("scope.camera");
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.Equal("fail", (string?)again["status"]);
        Assert.Equal("denied", (string?)again["error"]!["code"]);
        await page.WaitForTimeoutAsync(500);
        await Expect(page.GetByTestId("consent-dialog")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ConsentPage_EscapeKey_DismissesAndNextCallAsksAgain()
    {
        var user = Pages.UniqueUser("dismiss");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "Dismiss App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.record");
        var dialog = page.GetByTestId("consent-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        var answer = await miniApp.WaitAsync(pending);
        Assert.Equal("dismissed", (string?)answer["error"]!["code"]);
        await Expect(page.GetByTestId("consent-answer")).ToContainTextAsync("已关闭");

        var (againStatus, again) = await miniApp.StartAuthorizeAsync("scope.record");
        Assert.Equal(HttpStatusCode.Accepted, againStatus);
        await Pages.AnswerConsentAsync(page, appName, "allow", "scope.record");
        Assert.Equal("ok", (string?)(await miniApp.WaitAsync(again))["status"]);
    }

    [Fact]
    public async Task ConsentDialog_TabAndShiftTabManyTimes_FocusStaysInsideAndEscapeStillDismisses()
    {
        var user = Pages.UniqueUser("focus");
        var userId = await host.CreateUserAsync(user);
        var (appId, _) = await host.CreateAppAsync("wechat", "Focus App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.camera");
        var dialog = page.GetByTestId("consent-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Pages.KeepsFocusInDialogAsync(page, "Tab", 12);
        await Pages.KeepsFocusInDialogAsync(page, "Shift+Tab", 12);
        await page.Keyboard.PressAsync("Escape");

        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal("dismissed", (string?)(await miniApp.WaitAsync(pending))["error"]!["code"]);
    }

    [Fact]
    public async Task ConsentDialog_EnterRightAfterOpening_GrantsNothing()
    {
        var user = Pages.UniqueUser("enter");
        var userId = await host.CreateUserAsync(user);
        // WeChat: Alipay's authorize takes its auth scopes only, and this is about the dialog, not the platform.
        var (appId, _) = await host.CreateAppAsync("wechat", "Enter App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.camera");
        var dialog = page.GetByTestId("consent-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        Assert.Equal("inside:consent-dialog", await Pages.FocusAsync(page));
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync(" ");
        await page.WaitForTimeoutAsync(700);

        await Expect(dialog).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal("dismissed", (string?)(await miniApp.WaitAsync(pending))["error"]!["code"]);
    }

    [Fact]
    public async Task ConsentPage_AlipayScopes_ListedInOneDialogAndGrantedTogether()
    {
        var user = Pages.UniqueUser("alipay");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("alipay", "Alipay App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        // getAuthCode takes Alipay's auth scopes only (a device permission such as the camera is asked by its API).
        var (status, pending) = await miniApp.StartAuthorizeAsync("auth_user", "auth_zhima");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await Pages.AnswerConsentAsync(page, appName, "allow", "scope.userInfo", "auth_zhima");

        var answer = await miniApp.WaitAsync(pending);
        Assert.Equal("ok", (string?)answer["status"]);
        Assert.False(string.IsNullOrEmpty((string?)answer["native"]!["authCode"]));
        var granted = answer["native"]!["authSuccessScopes"]!.AsArray().Select(s => (string?)s).ToArray();
        Assert.Contains("auth_user", granted);
        Assert.Contains("auth_zhima", granted);
    }

    [Fact]
    public async Task ConsentDialog_AlipayDontAskAgainTicked_KeepsTheRefusalWhereAPlainDenyIsAskedAgain()
    {
        var user = Pages.UniqueUser("keep");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("alipay", "Keep App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        // A plain refusal: 2001, and Alipay asks again on the next call.
        var (status, pending) = await miniApp.StartApiAsync("getLocation");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await Expect(page.GetByTestId("consent-dontAskAgain")).Not.ToBeCheckedAsync();
        await Pages.AnswerConsentAsync(page, appName, "deny", "scope.userLocation");
        Assert.Equal(2001, (int)(await miniApp.WaitAsync(pending))["native"]!["error"]!);

        // "保持以上选择，不再询问" ticked: 2003, and the next call fails at once with 2002, no dialog.
        (status, pending) = await miniApp.StartApiAsync("getLocation");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await page.GetByTestId("consent-dontAskAgain").CheckAsync();
        await Pages.AnswerConsentAsync(page, appName, "deny", "scope.userLocation");
        Assert.Equal(2003, (int)(await miniApp.WaitAsync(pending))["native"]!["error"]!);

        var (again, refused) = await miniApp.StartApiAsync("getLocation");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(2002, (int)refused["native"]!["error"]!);
        await page.WaitForTimeoutAsync(700);
        await Expect(page.GetByTestId("consent-dialog")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ConsentPage_AnotherUsersConsent_IsNeverShown()
    {
        var owner = Pages.UniqueUser("owner");
        var ownerId = await host.CreateUserAsync(owner);
        var stranger = Pages.UniqueUser("stranger");
        var (appId, appName) = await host.CreateAppAsync("kuaishou", "Isolated App " + owner);
        var miniApp = await host.MiniAppAsync(appId, ownerId);
        await using var strangerTab = await browser.OpenAsync(host);
        var strangerPage = strangerTab.Page;
        await Pages.SignInAsync(strangerPage, "/consent", stranger);

        var (status, pending) = await miniApp.StartAuthorizeAsync("scope.record");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await strangerPage.WaitForTimeoutAsync(1500);
        await Expect(strangerPage.GetByTestId("consent-dialog")).ToHaveCountAsync(0);

        await using var ownerTab = await browser.OpenAsync(host);
        var ownerPage = ownerTab.Page;
        await Pages.SignInAsync(ownerPage, "/consent", owner);
        await Pages.AnswerConsentAsync(ownerPage, appName, "allow", "scope.record");
        Assert.Equal("ok", (string?)(await miniApp.WaitAsync(pending))["status"]);
    }
}
