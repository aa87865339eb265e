using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>
/// A hostile mini-app, started the documented way: the demo's worker mode frames the host's sandbox and starts the app's
/// script there with its session token. The script is this test's instead of the demo's. It tries everything a mini-app
/// on the user's origin could do (read and answer the user's consents, flip its settings, export or erase the user,
/// read the cookie, talk the page into pressing Allow, navigate the top window, frame the consent page) and writes down
/// what it observed; every attempt fails, its bridge calls still work, and only the user's click in the host's dialog
/// decides what it gets.
/// </summary>
public sealed class HostileMiniAppTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    private const string Scope = "scope.userLocation";

    // Runs in the sandbox frame in place of the demo's mini-app.js. Each attempt records "ok: …" or "threw Name: …".
    private const string HostileScript = """
        (async () => {
          'use strict';
          const { host, token, platform } = UniSandbox;
          const observed = {};
          const violations = [];
          const show = (phase) => {
            document.getElementById('observed')?.remove();
            const pre = document.createElement('pre');
            pre.id = 'observed';
            pre.dataset.phase = phase;
            pre.textContent = JSON.stringify({ observed, violations });
            document.body.append(pre);
          };
          document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
          const attempt = async (name, action) => {
            try {
              observed[name] = 'ok: ' + String(await action());
            } catch (error) {
              observed[name] = `threw ${error.name}: ${error.message}`;
            }
          };
          const read = async (path, init) => {
            const response = await fetch(host + path, init);
            return `${response.type} ${response.status} ${(await response.text()).slice(0, 120)}`;
          };
          const asApp = (path, init = {}) => fetch(host + path, { ...init, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json', ...(init.headers ?? {}) } });
          const provided = new Map();
          UniSandbox.listen((message) => { if (message.type === 'provided') provided.get(message.id)?.(message); });
          const provide = (id, api) => new Promise((resolve) => {
            provided.set(id, resolve);
            UniSandbox.send({ type: 'provide', id, api });
          });

          // Its own session, through the mini-app API: legitimate.
          const session = await (await asApp('/api/v1/session')).json();
          const appId = session.appId;
          observed.origin = self.origin;

          // The user's authority, read with and without credentials, and with its own token.
          await attempt('cookie', () => JSON.stringify(document.cookie));
          await attempt('localStorage', () => String(localStorage.length));
          await attempt('consents', () => read('/api/v1/user/consents'));
          await attempt('consentsWithCredentials', () => read('/api/v1/user/consents', { credentials: 'include' }));
          await attempt('consentsWithToken', () => read('/api/v1/user/consents', { headers: { authorization: 'Bearer ' + token } }));
          await attempt('consentsBlind', () => read('/api/v1/user/consents', { mode: 'no-cors', credentials: 'include' }));
          await attempt('antiforgery', () => read('/api/v1/user/antiforgery'));
          await attempt('antiforgeryWithCredentials', () => read('/api/v1/user/antiforgery', { credentials: 'include' }));
          await attempt('export', () => read('/api/v1/user/data', { credentials: 'include' }));
          await attempt('erase', () => read('/api/v1/user/data', { method: 'DELETE', credentials: 'include' }));
          await attempt('eraseBlind', () => read('/api/v1/user/data', { method: 'DELETE', mode: 'no-cors', credentials: 'include' }));
          await attempt('flipSetting', () => read(`/api/v1/user/apps/${appId}/settings`, {
            method: 'PUT', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: '__SCOPE__', state: 'granted' }) }));
          await attempt('parentDocument', () => parent.document.title);
          await attempt('popup', () => String(window.open(host + '/my-data')));

          // The bridge works: it reads its settings, then asks for the scope; the user answers in the host's dialog.
          const wx = UniBridge.install({ host, token, platform, onError: () => {} });
          observed.settingBefore = await new Promise((resolve) => wx.getSetting({ success: (res) => resolve(JSON.stringify(res.authSetting)), fail: (res) => resolve('fail ' + res.errMsg) }));
          const asked = new Promise((resolve) => wx.authorize({ scope: '__SCOPE__', success: (res) => resolve('success ' + res.errMsg), fail: (res) => resolve('fail ' + res.errMsg) }));
          // The page runs a browser API only for a granted scope.
          observed.provideBeforeAnswer = JSON.stringify(await provide(1, 'getLocation'));
          show('asked');

          // The consent's id, as if it had leaked (the test hands it over): still nothing answers it but the user.
          while (!globalThis.leakedConsentId) await new Promise((resolve) => setTimeout(resolve, 50));
          const id = globalThis.leakedConsentId;
          const answer = JSON.stringify({ answer: 'allow' });
          await attempt('answer', () => read(`/api/v1/user/consents/${id}/answer`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: answer }));
          await attempt('answerBlind', () => read(`/api/v1/user/consents/${id}/answer`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: answer }));
          await attempt('answerWithToken', () => read(`/api/v1/user/consents/${id}/answer`, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: answer }));
          for (const message of [{ type: 'answer', id, answer: 'allow' }, { type: 'consent', id, answer: 'allow' }, { type: 'click', testid: 'consent-allow' },
            { type: 'settings', appId, scope: '__SCOPE__', state: 'granted' }, { type: 'start', token, platform, scripts: ['/assets/consent.js'] }]) {
            parent.postMessage(message, '*');
            UniSandbox.send(message);
          }
          observed.postMessages = 'sent';
          await attempt('topNavigation', () => { top.location.href = host + '/consent?id=' + id; return top.location.href; });
          await attempt('frameConsent', () => new Promise((resolve) => {
            const frame = document.createElement('iframe');
            frame.id = 'consent-frame';
            frame.src = host + '/consent?id=' + id;
            frame.onload = () => resolve('load event');
            document.body.append(frame);
            setTimeout(() => resolve('no load'), 2000);
          }));
          show('attacked');

          // Whatever the user decides is what the bridge reports.
          observed.asked = await asked;
          observed.settingAfter = await new Promise((resolve) => wx.getSetting({ success: (res) => resolve(JSON.stringify(res.authSetting)), fail: (res) => resolve('fail ' + res.errMsg) }));
          observed.provideAfterAnswer = JSON.stringify(await provide(2, 'getLocation'));
          show('done');
        })();
        """;

    [Fact]
    public async Task HostileMiniApp_InTheSandbox_EveryAttemptFailsAndOnlyTheUsersDialogDecides()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        var (sandbox, consentId) = await StartHostileMiniAppAsync(page, "hostile");
        var dialog = page.GetByTestId("consent-dialog");
        await Expect(sandbox.Locator("#observed[data-phase=attacked]")).ToHaveCountAsync(1);
        var (observed, violations) = await ObservedAsync(sandbox);

        // What the hostile code saw: an opaque origin, no cookie, no storage, no user API with or without credentials,
        // no way to the page's document, no popup, no top-level navigation, no framed consent page.
        Assert.Equal("null", observed["origin"]);
        Assert.StartsWith("threw SecurityError", observed["cookie"], StringComparison.Ordinal);
        Assert.StartsWith("threw SecurityError", observed["localStorage"], StringComparison.Ordinal);
        foreach (var attempt in new[] { "consents", "consentsWithCredentials", "consentsWithToken", "antiforgery", "antiforgeryWithCredentials", "export",
                     "erase", "eraseBlind", "flipSetting", "answer", "answerWithToken" })
        {
            Assert.True(observed[attempt].StartsWith("threw TypeError", StringComparison.Ordinal), $"{attempt}: {observed[attempt]}");
        }

        // A request that does not read its answer still goes out, but carries no cookie and reads nothing.
        Assert.Equal("ok: opaque 0 ", observed["consentsBlind"]);
        Assert.Equal("ok: opaque 0 ", observed["answerBlind"]);
        Assert.StartsWith("threw SecurityError", observed["parentDocument"], StringComparison.Ordinal);
        Assert.Equal("ok: null", observed["popup"]);
        Assert.StartsWith("threw SecurityError", observed["topNavigation"], StringComparison.Ordinal);
        Assert.Contains(violations, v => v.StartsWith("frame-src " + host.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal));
        Assert.DoesNotContain(page.Frames, f => f.Url.Contains("/consent", StringComparison.Ordinal));
        Assert.EndsWith("/?mode=worker", page.Url, StringComparison.Ordinal);
        Assert.Contains("\"ok\":false", observed["provideBeforeAnswer"], StringComparison.Ordinal);
        Assert.Contains("auth deny", observed["provideBeforeAnswer"], StringComparison.Ordinal);
        Assert.DoesNotContain(Scope, observed["settingBefore"], StringComparison.Ordinal);

        // The messages to the page changed nothing: the consent still waits for the user, and nothing was granted.
        await Expect(dialog).ToBeVisibleAsync();
        Assert.Equal(consentId, await PendingConsentIdAsync(page));

        // The user decides: Deny. The bridge reports the denial, the settings say so, and the page runs nothing.
        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "deny", Scope);
        await Expect(sandbox.Locator("#observed[data-phase=done]")).ToHaveCountAsync(1);
        (observed, _) = await ObservedAsync(sandbox);
        Assert.Equal("fail authorize:fail auth deny", observed["asked"]);
        Assert.Contains("\"" + Scope + "\":false", observed["settingAfter"], StringComparison.Ordinal);
        Assert.Contains("auth deny", observed["provideAfterAnswer"], StringComparison.Ordinal);

        // The user and their data are still there.
        Assert.Equal(200, await page.EvaluateAsync<int>("async () => (await fetch('/api/v1/user/me')).status"));
        Assert.Contains("\"state\":\"denied\"", await page.EvaluateAsync<string>(
            "async () => JSON.stringify(await (await fetch('/api/v1/user/apps/demo-wechat/settings')).json())"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostileMiniApp_UserAllows_TheBridgeGetsTheGrantAndThePageRunsTheApi()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        var (sandbox, _) = await StartHostileMiniAppAsync(page, "hostile-allow");
        await Expect(sandbox.Locator("#observed[data-phase=attacked]")).ToHaveCountAsync(1);

        await Pages.AnswerConsentAsync(page, "Demo mini-program (WeChat)", "allow", Scope);

        await Expect(sandbox.Locator("#observed[data-phase=done]")).ToHaveCountAsync(1);
        var (observed, _) = await ObservedAsync(sandbox);
        Assert.Equal("success authorize:ok", observed["asked"]);
        Assert.Contains("\"" + Scope + "\":true", observed["settingAfter"], StringComparison.Ordinal);
        Assert.Contains("\"ok\":true", observed["provideAfterAnswer"], StringComparison.Ordinal);
        Assert.Contains("\"latitude\":39.90", observed["provideAfterAnswer"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SandboxPage_OpenedAtTopLevel_HasAnOpaqueOriginAndNoCookie()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/", Pages.UniqueUser("top-level"));

        await page.GotoAsync("/mini-app/sandbox");

        Assert.Equal("null", await page.EvaluateAsync<string>("() => self.origin"));
        Assert.StartsWith("SecurityError", await page.EvaluateAsync<string>("() => { try { return document.cookie; } catch (e) { return e.name; } }"), StringComparison.Ordinal);
        Assert.StartsWith("TypeError", await page.EvaluateAsync<string>(
            "async () => { try { return String((await fetch('/api/v1/user/me', { credentials: 'include' })).status); } catch (e) { return e.name; } }"), StringComparison.Ordinal);
    }

    // Signs a new user in on the demo's worker mode with the hostile script in place of the demo's mini-app, starts it
    // for the location scope, and hands it the consent's id once it has asked (as if the id had leaked).
    private static async Task<(IFrameLocator Sandbox, string ConsentId)> StartHostileMiniAppAsync(IPage page, string user)
    {
        await page.Context.GrantPermissionsAsync(["geolocation"]);
        await page.Context.SetGeolocationAsync(new Geolocation { Latitude = 39.9042f, Longitude = 116.4074f, Accuracy = 30 });
        await page.RouteAsync("**/assets/mini-app.js", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/javascript; charset=utf-8",
            Body = HostileScript.Replace("__SCOPE__", Scope, StringComparison.Ordinal),
        }));
        await Pages.SignInAsync(page, "/?mode=worker", Pages.UniqueUser(user));
        await page.GetByTestId("worker-platform-wechat").ClickAsync();
        await page.GetByTestId("worker-scope").SelectOptionAsync(Scope);

        await page.GetByTestId("worker-run").ClickAsync();

        var sandbox = page.FrameLocator("[data-testid=mini-app-sandbox]");
        await Expect(sandbox.Locator("#observed[data-phase=asked]")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("consent-dialog")).ToBeVisibleAsync();
        var consentId = await PendingConsentIdAsync(page);
        var sandboxFrame = page.Frames.Single(f => f.Url.EndsWith("/mini-app/sandbox", StringComparison.Ordinal));
        await sandboxFrame.EvaluateAsync("id => { globalThis.leakedConsentId = id; }", consentId);
        return (sandbox, consentId);
    }

    // The id of the one consent waiting for the user, read by the host's page (which has the user's authority).
    private static Task<string> PendingConsentIdAsync(IPage page) => page.EvaluateAsync<string>(
        "async () => (await (await fetch('/api/v1/user/consents')).json()).consents.map(c => c.id).join(',')");

    private static async Task<(Dictionary<string, string> Observed, List<string> Violations)> ObservedAsync(IFrameLocator sandbox)
    {
        using var json = JsonDocument.Parse(await sandbox.Locator("#observed").TextContentAsync() ?? "{}");
        var observed = json.RootElement.GetProperty("observed").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
        var violations = json.RootElement.GetProperty("violations").EnumerateArray().Select(v => v.GetString() ?? string.Empty).ToList();
        return (observed, violations);
    }
}
