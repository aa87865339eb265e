using System.Net;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The operator's console: sign-in with the admin key, apps (register, rotate, disable), a user's trail,
/// operator changes and erasure, the live figures, and the keyboard.</summary>
public sealed class ConsolePageTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    private const string Location = "scope.userLocation";

    private Task<Tab> OpenConsoleAsync() => browser.OpenAsync(host, width: 1280, height: 900);

    [Fact]
    public async Task SignIn_TheAdminKey_OperatorCookieAndTheKeyIsNotKeptInThePage()
    {
        await using var tab = await OpenConsoleAsync();
        var page = tab.Page;

        await Pages.SignInAsOperatorAsync(page, host);

        await Expect(page.Locator("#apps-title")).ToBeVisibleAsync();
        var kept = await page.EvaluateAsync<bool>("""
            key => document.documentElement.outerHTML.includes(key)
              || [...document.querySelectorAll('input')].some(input => input.value.includes(key))
              || Object.values(localStorage).some(value => value.includes(key))
              || Object.values(sessionStorage).some(value => value.includes(key))
            """, host.AdminKey);
        Assert.False(kept, "The admin key is still in the page or its storage after sign-in.");
        var cookies = await page.Context.CookiesAsync();
        Assert.Contains(cookies, cookie => cookie.Name == ".Uni.Authorize.Operator" && cookie.HttpOnly);
        Assert.DoesNotContain(cookies, cookie => cookie.Value.Contains(host.AdminKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apps_RegisterRotateDisable_SecretShownOnceOldSecretRefusedAndTheSessionStops()
    {
        await using var tab = await OpenConsoleAsync();
        var page = tab.Page;
        await Pages.SignInAsOperatorAsync(page, host);
        var name = "天气小助手 " + Pages.UniqueUser("console");

        await page.GetByTestId("app-name").FillAsync(name);
        await page.GetByTestId("app-platform").SelectOptionAsync("wechat");
        await Expect(page.GetByTestId("icon-preview")).ToHaveTextAsync("天");
        await Expect(page.GetByTestId("app-icon-letter")).ToHaveValueAsync("天");
        await page.GetByTestId("app-icon-letter").FillAsync("晴");
        await Expect(page.GetByTestId("icon-preview")).ToHaveTextAsync("晴");
        await page.GetByTestId("register").ClickAsync();
        var row = page.Locator("tr[data-app]", new PageLocatorOptions { HasText = name });
        await Expect(row).ToHaveAttributeAsync("data-state", "active");
        await Expect(row.GetByTestId("app-icon")).ToHaveTextAsync("晴");
        await Expect(page.GetByTestId("app-icon-letter")).ToHaveValueAsync(string.Empty);
        var appId = (await row.GetAttributeAsync("data-app"))!;
        var secret = (await page.GetByTestId("secret").TextContentAsync())!;
        var userId = await host.CreateUserAsync(Pages.UniqueUser("exchange"));
        var miniApp = await host.MiniAppAsync(appId, userId);
        Assert.Equal(0, await host.ExchangeAsync(appId, secret, await miniApp.LoginAsync()));

        // Rotate: the new secret is shown, the old one is refused at once.
        await row.GetByTestId("rotate").ClickAsync();
        await Expect(page.GetByTestId("secret")).Not.ToHaveTextAsync(secret);
        var rotated = (await page.GetByTestId("secret").TextContentAsync())!;
        Assert.Equal(40125, await host.ExchangeAsync(appId, secret, await miniApp.LoginAsync()));
        Assert.Equal(0, await host.ExchangeAsync(appId, rotated, await miniApp.LoginAsync()));

        // Shown once: a reload shows no secret.
        await page.ReloadAsync();
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.GetByTestId("secret")).ToHaveCountAsync(0);
        await Expect(row.GetByTestId("app-icon")).ToHaveTextAsync("晴");

        // Disable, after a confirmation: the app's session gets 401 on its next call.
        Assert.Equal(HttpStatusCode.OK, await miniApp.SessionStatusAsync());
        await row.GetByTestId("disable").ClickAsync();
        await page.GetByTestId("confirm-ok").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "disabled");
        Assert.Equal(HttpStatusCode.Unauthorized, await miniApp.SessionStatusAsync());
    }

    [Fact]
    public async Task Apps_PrivacyContract_SavedFromTheDialogAndShownInTheList()
    {
        var (appId, _) = await host.CreateAppAsync("wechat", "Privacy " + Pages.UniqueUser("app"));
        await using var tab = await OpenConsoleAsync();
        var page = tab.Page;
        await Pages.SignInAsOperatorAsync(page, host);
        var row = page.Locator($"tr[data-app='{appId}']");

        await row.GetByTestId("privacy").ClickAsync();
        var dialog = page.Locator("dialog");
        await dialog.Locator("input[name=name]").FillAsync("天气小助手隐私保护指引");
        await dialog.Locator("input[name=url]").FillAsync("/privacy/weather");
        await dialog.Locator("button[type=submit]").ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(row).ToContainTextAsync("天气小助手隐私保护指引");
    }

    [Fact]
    public async Task Apps_Manifest_CurrentVersionShownAndAChangedPurposeSavedAsTheNextVersion()
    {
        var (appId, _) = await host.CreateAppAsync("wechat", "Manifest " + Pages.UniqueUser("app"));
        await host.PutManifestAsync(appId, new { permission = new Dictionary<string, object> { [Location] = new { desc = "附近门店" } }, requiredPrivateInfos = new[] { "getLocation" } });
        await using var tab = await OpenConsoleAsync();
        var page = tab.Page;
        await Pages.SignInAsOperatorAsync(page, host);
        var row = page.Locator($"tr[data-app='{appId}']");

        await row.GetByTestId("manifest").ClickAsync();
        var dialog = page.Locator("dialog");
        await Expect(dialog.GetByTestId("manifest-version")).ToHaveTextAsync("版本 Version 1");
        await Expect(dialog.GetByTestId("manifest-json")).ToHaveValueAsync(new Regex("附近门店"));
        await dialog.GetByTestId("manifest-json").FillAsync("{");
        await dialog.GetByTestId("manifest-save").ClickAsync();
        await Expect(dialog.GetByRole(Microsoft.Playwright.AriaRole.Alert)).ToContainTextAsync("JSON");
        await dialog.GetByTestId("manifest-json").FillAsync("""{"permission": {"scope.userLocation": {"desc": "附近门店和外卖"}}, "requiredPrivateInfos": ["getLocation"]}""");
        await dialog.GetByTestId("manifest-save").ClickAsync();

        await Expect(dialog.GetByTestId("manifest-version")).ToHaveTextAsync("版本 Version 2");
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await row.GetByTestId("manifest").ClickAsync();
        await Expect(dialog.GetByTestId("manifest-version")).ToHaveTextAsync("版本 Version 2");
        await Expect(dialog.GetByTestId("manifest-json")).ToHaveValueAsync(new Regex("附近门店和外卖"));
    }

    [Fact]
    public async Task Users_TrailAfterAGrantAndASettingsChange_OperatorChangesAreAuditedAndErasureKeepsTheAuditCount()
    {
        var user = Pages.UniqueUser("小明");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "天气小助手 " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using (var userTab = await browser.OpenAsync(host))
        {
            var userPage = userTab.Page;
            await Pages.SignInAsync(userPage, "/consent", user);
            var (_, pending) = await miniApp.StartAuthorizeAsync(Location);
            await Pages.AnswerConsentAsync(userPage, appName, "allow", Location);
            await miniApp.WaitAsync(pending);
            await userPage.GotoAsync($"/settings?app={appId}");
            await userPage.GetByTestId("switch-" + Location).SetCheckedAsync(false);
            await Expect(userPage.GetByTestId("setting-" + Location)).ToHaveAttributeAsync("data-state", "denied");
        }

        await using var tab = await OpenConsoleAsync();
        var page = tab.Page;
        await Pages.SignInAsOperatorAsync(page, host);
        await page.GetByTestId("user-query").FillAsync(user);
        await page.GetByTestId("user-query").PressAsync("Enter");
        await page.Locator($"[data-user='{userId}']").ClickAsync();
        var row = page.Locator($"[data-history='{appId}'] tr[data-scope='{Location}']");
        var trail = row.GetByTestId("trail-entry");
        await Expect(trail).ToHaveCountAsync(2);
        await Expect(trail.Nth(0)).ToHaveTextAsync(When("notDetermined → granted · dialog"));
        await Expect(trail.Nth(1)).ToHaveTextAsync(When("granted → denied · settings"));

        // The operator grants, then resets; both are audited as admin and the app's next call follows.
        await row.GetByTestId("set-granted").ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-state", "granted");
        await Expect(trail.Nth(2)).ToHaveTextAsync(When("denied → granted · admin"));
        var (status, granted) = await miniApp.StartAuthorizeAsync(Location);
        Assert.Equal((HttpStatusCode.OK, "ok"), (status, (string?)granted["status"]));
        await row.GetByTestId("set-notDetermined").ClickAsync();
        await Expect(trail).ToHaveCountAsync(4);
        await Expect(trail.Nth(3)).ToHaveTextAsync(When("granted → notDetermined · admin"));

        // Erasure: nothing of the user is left to export, and all four audit entries are kept.
        await page.GetByTestId("erase-user").ClickAsync();
        await page.GetByTestId("confirm-ok").ClickAsync();
        await Expect(page.GetByTestId("audit-kept")).ToHaveTextAsync("4");
        var export = await host.ExportAsync(userId);
        Assert.Null(export["profile"]);
        Assert.Empty(export["apps"]!.AsArray());
        Assert.Empty(export["sessions"]!.AsArray());
        Assert.Equal(HttpStatusCode.Unauthorized, await miniApp.SessionStatusAsync());
    }

    [Fact]
    public async Task Figures_APendingPrompt_CountedAndDrawnAsInlineSvg()
    {
        var user = Pages.UniqueUser("figures");
        var userId = await host.CreateUserAsync(user);
        var (appId, _) = await host.CreateAppAsync("wechat", "Figures " + user);
        var (status, _) = await (await host.MiniAppAsync(appId, userId)).StartAuthorizeAsync("scope.camera");
        Assert.Equal(HttpStatusCode.Accepted, status);

        await using var tab = await OpenConsoleAsync();
        var page = tab.Page;
        await Pages.SignInAsOperatorAsync(page, host);

        await Expect(page.GetByTestId("pending")).ToHaveTextAsync(new Regex("^[1-9][0-9]*$"));
        foreach (var series in new[] { "prompts", "grants", "denials", "fastFails" })
        {
            await Expect(page.Locator($"figure[data-series={series}] svg rect")).ToHaveCountAsync(60);
        }

        var drawn = await page.EvaluateAsync<bool>("() => [...document.querySelectorAll('figure[data-series=prompts] rect')].some(r => +r.getAttribute('height') > 0)");
        Assert.True(drawn, "The prompt of this minute is not drawn.");
    }

    [Fact]
    public async Task Keyboard_TabEnterEscape_EveryControlReachedWithVisibleFocusAndDialogsClose()
    {
        var user = Pages.UniqueUser("keys");
        var userId = await host.CreateUserAsync(user);
        await using var tab = await OpenConsoleAsync();
        var page = tab.Page;
        await Pages.SignInAsOperatorAsync(page, host);
        await Expect(page.Locator("tr[data-app]").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("pending")).ToBeVisibleAsync();

        await Pages.TabReachesEveryControlAsync(page);

        // Enter submits the search and opens the user found.
        await page.GetByTestId("user-query").FocusAsync();
        await page.Keyboard.TypeAsync(user);
        await page.Keyboard.PressAsync("Enter");
        await page.Locator($"[data-user='{userId}']").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("user-title")).ToContainTextAsync(user);

        // Escape closes a confirmation, answering no.
        await page.GetByTestId("erase-user").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId("confirm-dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("confirm-dialog")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("user-title")).ToContainTextAsync(user);

        // And the privacy contract's dialog.
        await page.GetByTestId("privacy").First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("dialog")).ToHaveCountAsync(0);
    }

    /// <summary>A trail entry: the change, then when it happened.</summary>
    private static Regex When(string change) => new("^" + Regex.Escape(change) + @" · \d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}:\d{2}$");
}
