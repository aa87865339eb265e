using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The host signs people in through a real OpenID provider: the pages send the person there and back, the
/// user is the provider's subject, and name sign-in is refused.</summary>
public sealed class OpenIdConnectSignInTests(OpenIdConnectHosts hosts, Browser browser) : IClassFixture<OpenIdConnectHosts>, IClassFixture<Browser>
{
    private const string AliceSubject = "sub-alice-7f3a";

    [Fact]
    public async Task ConsentPage_SignInAtTheProvider_ListsAndAnswersAlicesConsent()
    {
        var (appId, appName) = await hosts.Host.CreateAppAsync("wechat", "OIDC App " + Pages.UniqueUser("a"));
        await using var tab = await browser.OpenAsync(hosts.Host);
        var page = tab.Page;

        await SignInAtProviderAsync(page, "/consent", "alice");

        Assert.Equal(hosts.Host.BaseAddress + "consent", page.Url);
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Alice Liddell");
        var me = await FetchJsonAsync(page, "/api/v1/user/me");
        Assert.Equal(AliceSubject, me.GetProperty("id").GetString());

        // A mini-app launched for alice asks; her consent page shows the dialog and her answer reaches the app.
        var miniApp = new MiniApp(hosts.Host.Http, await LaunchAsync(page, appId));
        var (status, pending) = await miniApp.StartAuthorizeAsync("scope.userLocation");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await Pages.AnswerConsentAsync(page, appName, "allow", "scope.userLocation");
        var answer = await miniApp.WaitAsync(pending);
        Assert.Equal("ok", (string?)answer["status"]);
        Assert.Equal("authorize:ok", (string?)answer["native"]!["errMsg"]);

        // The pages' sign-out ends the host's session: the sign-in panel is back and the user API refuses.
        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page.GetByTestId("sign-in-external")).ToBeVisibleAsync();
        Assert.Equal(401, (await FetchJsonAsync(page, "/api/v1/user/me")).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task SettingsPage_SignInAtTheProvider_ComesBackToTheSamePage()
    {
        var (appId, appName) = await hosts.Host.CreateAppAsync("alipay", "OIDC Settings " + Pages.UniqueUser("s"));
        await using var tab = await browser.OpenAsync(hosts.Host);
        var page = tab.Page;

        await SignInAtProviderAsync(page, $"/settings?app={appId}", "bob");

        Assert.Equal($"{hosts.Host.BaseAddress}settings?app={appId}", page.Url);
        await Expect(page.GetByTestId("settings-app")).ToHaveTextAsync(appName);
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Bob Builder");
    }

    [Fact]
    public async Task NameSignIn_WithOpenIdConnect_IsRefused()
    {
        var response = await hosts.Host.Http.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "alice" });

        var problem = await HostProcess.JsonAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("name_sign_in_disabled", (string?)problem["code"]);
        Assert.Contains("/account/login", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_ReturnUrlOnAnotherSite_ComesBackToTheHostsRoot()
    {
        await using var tab = await browser.OpenAsync(hosts.Host);
        var page = tab.Page;

        await page.GotoAsync("/account/login?returnUrl=" + Uri.EscapeDataString("//evil.example/steal"));
        await SubmitProviderLoginAsync(page, "alice");

        await page.WaitForURLAsync(hosts.Host.BaseAddress.ToString(), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Alice Liddell");
    }

    [Fact]
    public async Task Logout_EndsTheProvidersSessionToo()
    {
        await using var tab = await browser.OpenAsync(hosts.Host);
        var page = tab.Page;
        await SignInAtProviderAsync(page, "/consent", "alice");

        // A form post with the antiforgery token from a page of the host without the pages' form-action policy (that
        // policy would stop the redirect to the provider).
        await page.GotoAsync("/healthz");
        var endSession = page.WaitForRequestAsync(new Regex("^" + Regex.Escape(hosts.Provider + "connect/logout")));
        await page.EvaluateAsync("""
            async () => {
              const t = await (await fetch('/api/v1/user/antiforgery')).json();
              const form = document.createElement('form');
              form.method = 'post';
              form.action = '/account/logout?returnUrl=%2Fconsent';
              const field = document.createElement('input');
              field.type = 'hidden'; field.name = '__RequestVerificationToken'; field.value = t.token;
              form.append(field);
              document.body.append(form);
              form.submit();
            }
            """);
        // The cookie keeps no access or refresh token (SaveTokens is off), only the id_token the provider's sign-out needs.
        Assert.Contains("id_token_hint=", (await endSession).Url, StringComparison.Ordinal);
        await page.WaitForURLAsync(hosts.Host.BaseAddress + "consent", new() { WaitUntil = WaitUntilState.Commit });
        await page.GetByTestId("sign-in-external").ClickAsync();

        // The provider asks again: its own session ended with the host's.
        await Expect(page.GetByTestId("idp-username")).ToBeVisibleAsync();
    }

    /// <summary>Opens <paramref name="path"/>, follows the sign-in button to the provider, signs in, and waits to be back.</summary>
    private async Task SignInAtProviderAsync(IPage page, string path, string user)
    {
        await page.GotoAsync(path);
        await Expect(page.GetByTestId("sign-in-panel")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("sign-in-name")).ToHaveCountAsync(0);
        await page.GetByTestId("sign-in-external").ClickAsync();
        await SubmitProviderLoginAsync(page, user);
        // Back on the host once the navigation commits; the page's own load is awaited through what it shows (a busy
        // machine has let the load event alone take longer than the default timeout).
        await page.WaitForURLAsync(new Regex("^" + Regex.Escape(hosts.Host.BaseAddress.ToString())), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("user-name")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("sign-in-panel")).ToHaveCountAsync(0);
    }

    private async Task SubmitProviderLoginAsync(IPage page, string user)
    {
        // At the provider once the navigation commits; filling waits for the form itself (the load event alone has
        // outlasted the default timeout on a busy machine).
        await page.WaitForURLAsync(new Regex("^" + Regex.Escape(hosts.Provider + "login")), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("idp-username")).ToBeVisibleAsync();
        await page.GetByTestId("idp-username").FillAsync(user);
        await page.GetByTestId("idp-password").FillAsync(OpenIdConnectHosts.Password);
        await page.GetByTestId("idp-sign-in").ClickAsync();
    }

    /// <summary>Launches the app for the signed-in user through the user API, as the demo page does; its session token.</summary>
    private static Task<string> LaunchAsync(IPage page, string appId) => page.EvaluateAsync<string>("""
        async appId => {
          const t = await (await fetch('/api/v1/user/antiforgery')).json();
          const r = await fetch(`/api/v1/user/apps/${encodeURIComponent(appId)}/launch`, { method: 'POST', headers: { [t.headerName]: t.token } });
          if (!r.ok) throw new Error(`launch: ${r.status} ${await r.text()}`);
          return (await r.json()).token;
        }
        """, appId);

    private static Task<JsonElement> FetchJsonAsync(IPage page, string path) =>
        page.EvaluateAsync<JsonElement>("async path => (await fetch(path)).json()", path);
}
