using System.Net;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The user changes answers in the settings page; the mini-app's next call follows.</summary>
public sealed class SettingsPageTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task SettingsPage_SwitchOffThenResetThenOn_NextCallFollowsEachChange()
    {
        var user = Pages.UniqueUser("settings");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "Settings App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);
        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        await Pages.AnswerConsentAsync(page, appName, "allow", "scope.userLocation");
        Assert.Equal("ok", (string?)(await miniApp.WaitAsync(pending))["status"]);

        await page.GotoAsync($"/settings?app={appId}");
        await Expect(page.GetByTestId("settings-app")).ToHaveTextAsync(appName);
        var row = page.GetByTestId("setting-scope.userLocation");
        var toggle = page.GetByTestId("switch-scope.userLocation");
        await Expect(row).ToHaveAttributeAsync("data-state", "granted");
        await Expect(row).ToContainTextAsync("地理位置");
        await Expect(toggle).ToBeCheckedAsync();

        // Off: the next call fails at once, with no dialog.
        await toggle.SetCheckedAsync(false);
        await Expect(row).ToHaveAttributeAsync("data-state", "denied");
        var (deniedStatus, denied) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        Assert.Equal(HttpStatusCode.OK, deniedStatus);
        Assert.Equal("authorize:fail auth deny", (string?)denied["native"]!["errMsg"]);
        Assert.False((bool)(await miniApp.GetSettingAsync())["authSetting"]!["scope.userLocation"]!);

        // Reset: the next call asks again.
        await page.GetByTestId("reset-scope.userLocation").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "notDetermined");
        var (askedStatus, asked) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        Assert.Equal(HttpStatusCode.Accepted, askedStatus);
        await page.GotoAsync("/consent");
        await Pages.AnswerConsentAsync(page, appName, "deny", "scope.userLocation");
        Assert.Equal("fail", (string?)(await miniApp.WaitAsync(asked))["status"]);

        // On: a denied scope is granted from settings and the next call succeeds.
        await page.GotoAsync($"/settings?app={appId}");
        await Expect(row).ToHaveAttributeAsync("data-state", "denied");
        await toggle.SetCheckedAsync(true);
        await Expect(row).ToHaveAttributeAsync("data-state", "granted");
        var (grantedStatus, granted) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        Assert.Equal(HttpStatusCode.OK, grantedStatus);
        Assert.Equal("authorize:ok", (string?)granted["native"]!["errMsg"]);
    }

    [Fact]
    public async Task SettingsPage_AnotherUsersDecisions_AreNotShown()
    {
        var owner = Pages.UniqueUser("owner");
        var ownerId = await host.CreateUserAsync(owner);
        var (appId, appName) = await host.CreateAppAsync("bytedance", "Private App " + owner);
        var miniApp = await host.MiniAppAsync(appId, ownerId);
        await using var ownerTab = await browser.OpenAsync(host);
        var ownerPage = ownerTab.Page;
        await Pages.SignInAsync(ownerPage, "/consent", owner);
        var (_, pending) = await miniApp.StartAuthorizeAsync("scope.camera");
        await Pages.AnswerConsentAsync(ownerPage, appName, "allow", "scope.camera");
        await miniApp.WaitAsync(pending);
        await ownerPage.GotoAsync($"/settings?app={appId}");
        await Expect(ownerPage.GetByTestId("setting-scope.camera")).ToHaveAttributeAsync("data-state", "granted");

        await using var strangerTab = await browser.OpenAsync(host);
        var strangerPage = strangerTab.Page;
        await Pages.SignInAsync(strangerPage, $"/settings?app={appId}", Pages.UniqueUser("stranger"));
        await Expect(strangerPage.GetByTestId("settings-empty")).ToBeVisibleAsync();
        await Expect(strangerPage.GetByTestId("setting-scope.camera")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SettingsPage_UnknownApp_SaysSo()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/settings?app=no-such-app", Pages.UniqueUser("lost"));
        await Expect(page.GetByTestId("settings-error")).ToContainTextAsync("No such app");
    }

    /// <summary>Return values a probe sent, and the path the back link must end on: <c>/</c> for every value that
    /// would leave the host once the browser has resolved it (percent-escapes, dot segments, backslashes, tabs and
    /// newlines, leading spaces), the value itself (resolved) for a path of the host.</summary>
    public static TheoryData<string, string> ReturnValues() => new()
    {
        { "/?platform=alipay", "/?platform=alipay" },
        { "/settings?app=demo-wechat#top", "/settings?app=demo-wechat#top" },
        { "/a/../consent", "/consent" },
        { "/%2F%2Fevil.example/", "/%2F%2Fevil.example/" },
        { "https://evil.example/", "/" },
        { "//evil.example/x", "/" },
        { "\\\\evil.example/", "/" },
        { " //evil.example/", "/" },
        { "/\t/evil.example/", "/" },
        { "/\n/evil.example/", "/" },
        { "/\\evil.example/", "/" },
        { "/.//evil.example/", "/" },
        { "/..//evil.example/", "/" },
        { "/%2e//evil.example/", "/" },
        { "/%2E%2e//evil.example/", "/" },
        { "/a/..//evil.example/", "/" },
        { "/x/%2e%2e//evil.example/", "/" },
        { "/./\\evil.example/", "/" },
        { "/.\\/evil.example/", "/" },
        { "/.\t//evil.example/", "/" },
        { "/.\r\n//evil.example/", "/" },
        { "HOST//evil.example/", "/" },
        { "javascript:alert(1)", "/" },
        { "data:text/html,left", "/" },
    };

    [Theory]
    [MemberData(nameof(ReturnValues))]
    public async Task SettingsPage_ReturnValue_BackLinkStaysOnTheHost(string given, string expectedPath)
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        var origin = host.BaseAddress.GetLeftPart(UriPartial.Authority);
        given = given.Replace("HOST", origin, StringComparison.Ordinal);
        // Any other host answers from here instead of the network, so a link that leaves is seen, not a DNS error.
        await page.Context.RouteAsync(url => !url.StartsWith(origin + "/", StringComparison.Ordinal),
            route => route.FulfillAsync(new RouteFulfillOptions { Body = "left the host", ContentType = "text/plain" }));
        await Pages.SignInAsync(page, "/settings?app=demo-wechat", Pages.UniqueUser("back"));

        await page.GotoAsync("/settings?app=demo-wechat&return=" + Uri.EscapeDataString(given));
        await Expect(page.GetByTestId("settings-app")).ToBeVisibleAsync();
        var back = page.GetByTestId("back");

        Assert.Equal(expectedPath, await back.GetAttributeAsync("href"));
        Assert.Equal(origin + expectedPath, await back.EvaluateAsync<string>("a => a.href"));
        var settings = page.Url;
        await back.ClickAsync();
        // Where the link leads is known once the navigation commits; the next page's own loading is not the question.
        await page.WaitForURLAsync(url => url != settings, new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        Assert.Equal(origin + expectedPath, page.Url);
    }

    [Fact]
    public async Task SettingsPage_ProfileForm_SavesTheNicknameAndShowsAnInvalidAvatarsError()
    {
        var user = Pages.UniqueUser("profile");
        await host.CreateUserAsync(user);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/settings", user);
        await Expect(page.GetByTestId("profile-nickname")).ToHaveValueAsync(user);

        await page.GetByTestId("profile-nickname").FillAsync("小明");
        await page.GetByTestId("profile-avatar").FillAsync("http://example.com/a.png");
        await page.GetByTestId("profile-save").ClickAsync();
        await Expect(page.GetByTestId("profile-error")).ToContainTextAsync("https");

        await page.GetByTestId("profile-avatar").FillAsync("https://example.com/a.png");
        await page.GetByTestId("profile-save").ClickAsync();
        await Expect(page.GetByTestId("profile-error")).ToBeEmptyAsync();
        await page.ReloadAsync();
        await Expect(page.GetByTestId("profile-nickname")).ToHaveValueAsync("小明");
        await Expect(page.GetByTestId("profile-avatar")).ToHaveValueAsync("https://example.com/a.png");
    }
}
