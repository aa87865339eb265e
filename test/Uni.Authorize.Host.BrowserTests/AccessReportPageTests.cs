using System.Net;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The settings page tells the user which app used what, and when.</summary>
public sealed class AccessReportPageTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task SettingsPage_AfterGatedCalls_ShowsUsesTodayAndTheLastTimePerScope()
    {
        var user = Pages.UniqueUser("access");
        var userId = await host.CreateUserAsync(user);
        var (appId, appName) = await host.CreateAppAsync("wechat", "Access App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", user);

        // The first getLocation asks; it and two more run. A picker runs without asking; a denied camera call does not run.
        var (asked, pending) = await miniApp.StartApiAsync("getLocation");
        Assert.Equal(HttpStatusCode.Accepted, asked);
        await Pages.AnswerConsentAsync(page, appName, "allow", "scope.userLocation");
        Assert.Equal("ok", (string?)(await miniApp.WaitAsync(pending))["status"]);
        Assert.Equal("ok", (string?)(await miniApp.StartApiAsync("getLocation")).Body["status"]);
        Assert.Equal("ok", (string?)(await miniApp.StartApiAsync("startLocationUpdate")).Body["status"]);
        Assert.Equal("ok", (string?)(await miniApp.StartApiAsync("chooseImage")).Body["status"]);

        // The host writes the report in the background, about once a second: reload until it is there.
        var location = page.GetByTestId("access-scope.userLocation");
        var deadline = DateTime.UtcNow + HostProcess.Patience;
        while (true)
        {
            await page.GotoAsync($"/settings?app={appId}");
            await Expect(page.GetByTestId("settings-app")).ToHaveTextAsync(appName);
            if ((await location.CountAsync() == 1 && (await location.InnerTextAsync()).Contains("3 次", StringComparison.Ordinal)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(300);
        }

        await Expect(location).ToContainTextAsync(LastAt("今天使用地理位置 3 次，最近一次 "));
        await Expect(location).ToContainTextAsync(LastAt("Used location 3 times today, last at "));
        await Expect(location).ToContainTextAsync("getLocation, startLocationUpdate");
        await Expect(page.GetByTestId("access-chooseImage")).ToContainTextAsync("Used chooseimage 1 time today");
        await Expect(page.GetByTestId("access-report").Locator("li")).ToHaveCountAsync(2);

        // Another user's page shows none of it.
        var other = Pages.UniqueUser("access-other");
        await host.CreateUserAsync(other);
        await using var otherTab = await browser.OpenAsync(host);
        await Pages.SignInAsync(otherTab.Page, $"/settings?app={appId}", other);
        await Expect(otherTab.Page.GetByTestId("access-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Console_SignedInOperator_ShowsUsesPerAppScopeAndApi()
    {
        var user = Pages.UniqueUser("access-console");
        var userId = await host.CreateUserAsync(user);
        var (appId, _) = await host.CreateAppAsync("wechat", "Console Access App " + user);
        var miniApp = await host.MiniAppAsync(appId, userId);
        Assert.Equal("ok", (string?)(await miniApp.StartApiAsync("chooseImage")).Body["status"]);
        Assert.Equal("ok", (string?)(await miniApp.StartApiAsync("chooseImage")).Body["status"]);
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;

        await page.GotoAsync("/console");
        await page.GetByTestId("admin-key").FillAsync(host.AdminKey);
        await page.GetByTestId("admin-key").PressAsync("Enter");
        await Expect(page.GetByTestId("access-load")).ToBeVisibleAsync();
        await page.GetByTestId("access-app").FillAsync(appId);

        var row = page.GetByTestId("access-rows").Locator($"tr[data-app='{appId}'][data-api='chooseImage']");
        var deadline = DateTime.UtcNow + HostProcess.Patience;
        do
        {
            // Shown with the filter at least once: the report the page loaded on its own is every app's.
            await page.GetByTestId("access-load").ClickAsync();
            await Task.Delay(300);
        }
        while (await row.CountAsync() == 0 && DateTime.UtcNow < deadline);

        await Expect(row.GetByTestId("access-count")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("access-rows").Locator("tr")).ToHaveCountAsync(1);
    }

    private static Regex LastAt(string prefix) => new(Regex.Escape(prefix) + @"\d{2}:\d{2}");
}
