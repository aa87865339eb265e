using System.Net;
using System.Text.Json.Nodes;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The user's data page: every app that asked, download, withdraw, erase, the keyboard and Chinese text.</summary>
public sealed class DataPageTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    private const string Location = "scope.userLocation";
    private const string Camera = "scope.camera";

    /// <summary>A signed-in user who allowed location to a WeChat app named in Chinese and denied the camera to a
    /// ByteDance app, and that first app's session.</summary>
    private async Task<(Tab Tab, string UserId, string AppId, string AppName, MiniApp MiniApp)> UserWithAnswersAsync(string prefix)
    {
        var user = Pages.UniqueUser(prefix);
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "天气小助手 " + user);
        var (otherId, otherName) = await host.CreateAppAsync("bytedance", "相机 " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        var other = await host.MiniAppAsync(otherId, userId);
        var tab = await browser.OpenAsync(host);
        await Pages.SignInAsync(tab.Page, "/consent", user);
        var (_, pending) = await miniApp.StartAuthorizeAsync(Location);
        await Pages.AnswerConsentAsync(tab.Page, appName, "allow", Location);
        await miniApp.WaitAsync(pending);
        (_, pending) = await other.StartAuthorizeAsync(Camera);
        await Pages.AnswerConsentAsync(tab.Page, otherName, "deny", Camera);
        await other.WaitAsync(pending);
        await tab.Page.GotoAsync("/my-data");
        await Expect(tab.Page.GetByTestId("data-app")).ToHaveCountAsync(2);
        return (tab, userId, appId, appName, miniApp);
    }

    [Fact]
    public async Task DataPage_AppsThatAsked_EachDecisionWithItsHistoryInChinese()
    {
        var (tab, _, appId, appName, _) = await UserWithAnswersAsync("data");
        await using var owned = tab;
        var page = tab.Page;

        var app = page.Locator($"[data-app='{appId}']");
        await Expect(app.GetByTestId("data-app-name")).ToHaveTextAsync(appName);
        var scope = app.Locator($"[data-scope='{Location}']");
        await Expect(scope).ToHaveAttributeAsync("data-state", "granted");
        await Expect(scope.GetByTestId("trail-entry")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^notDetermined → granted · 弹窗 dialog · "));
        await Expect(page.Locator($"[data-scope='{Camera}']")).ToHaveAttributeAsync("data-state", "denied");

        // Debian's Noto CJK draws the Chinese name.
        var fonts = await Pages.RenderedFontsAsync(page, $"[data-app='{appId}'] [data-testid=data-app-name]");
        Assert.Contains(fonts, font => font.StartsWith("Noto Sans CJK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DataPage_FromTheSettingsPage_Linked()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/settings", Pages.UniqueUser("link"));

        await page.GetByTestId("my-data-link").ClickAsync();

        await page.WaitForURLAsync("**/my-data", new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("data-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Download_MyData_OneJsonFileWithProfileDecisionsAndAudit()
    {
        var (tab, userId, appId, _, _) = await UserWithAnswersAsync("download");
        await using var owned = tab;

        var download = await tab.Page.RunAndWaitForDownloadAsync(() => tab.Page.GetByTestId("download").ClickAsync());

        Assert.Equal("my-data.json", download.SuggestedFilename);
        var json = JsonNode.Parse(await File.ReadAllTextAsync((await download.PathAsync())!))!;
        Assert.Equal(userId, (string?)json["userId"]);
        Assert.Equal(userId, (string?)json["profile"]!["id"]);
        var app = json["apps"]!.AsArray().Single(a => (string?)a!["app"]!["id"] == appId)!;
        Assert.Equal("granted", (string?)app["decisions"]![0]!["state"]);
        Assert.Single(app["audit"]!.AsArray());
        Assert.DoesNotContain("token", json.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Withdraw_EverythingFromAnApp_DecisionsResetAndTheNextCallAsksAgain()
    {
        var (tab, _, appId, _, miniApp) = await UserWithAnswersAsync("withdraw");
        await using var owned = tab;
        var app = tab.Page.Locator($"[data-app='{appId}']");

        await app.GetByTestId("withdraw").ClickAsync();

        await Expect(app.Locator($"[data-scope='{Location}']")).ToHaveAttributeAsync("data-state", "notDetermined");
        await Expect(app.GetByTestId("trail-entry")).ToHaveCountAsync(2);
        await Expect(app.GetByTestId("withdraw")).ToHaveCountAsync(0);
        await Expect(tab.Page.Locator($"[data-scope='{Camera}']")).ToHaveAttributeAsync("data-state", "denied");
        var (status, _) = await miniApp.StartAuthorizeAsync(Location);
        Assert.Equal(HttpStatusCode.Accepted, status);
    }

    [Fact]
    public async Task Erase_EscapeThenConfirm_FirstKeepsEverythingThenNothingIsLeftButTheAuditCount()
    {
        var (tab, userId, _, _, miniApp) = await UserWithAnswersAsync("erase");
        await using var owned = tab;
        var page = tab.Page;

        await page.GetByTestId("erase").ClickAsync();
        await Expect(page.GetByTestId("confirm-dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("confirm-dialog")).ToHaveCountAsync(0);
        Assert.Equal(2, (await host.ExportAsync(userId))["apps"]!.AsArray().Count);

        await page.GetByTestId("erase").ClickAsync();
        await page.GetByTestId("confirm-ok").ClickAsync();

        await Expect(page.GetByTestId("audit-kept")).ToContainTextAsync("2 audit entries kept");
        var export = await host.ExportAsync(userId);
        Assert.Null(export["profile"]);
        Assert.Empty(export["apps"]!.AsArray());
        Assert.Empty(export["sessions"]!.AsArray());
        Assert.Equal(HttpStatusCode.Unauthorized, await miniApp.SessionStatusAsync());
    }

    [Fact]
    public async Task Keyboard_TabAndEnter_EveryControlReachedWithVisibleFocusAndEnterWithdraws()
    {
        var (tab, _, appId, _, _) = await UserWithAnswersAsync("keys");
        await using var owned = tab;
        var page = tab.Page;

        await Pages.TabReachesEveryControlAsync(page);

        await page.Locator($"[data-app='{appId}']").GetByTestId("withdraw").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator($"[data-app='{appId}'] [data-scope='{Location}']")).ToHaveAttributeAsync("data-state", "notDetermined");
    }
}
