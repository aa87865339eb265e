using System.Security.Cryptography;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>What a person does on the host's pages.</summary>
internal static class Pages
{
    /// <summary>A user name no other test uses, so tests sharing the host never see each other's consents.</summary>
    public static string UniqueUser(string prefix) => prefix + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>Opens <paramref name="path"/>, signs in by name through the sign-in panel, and waits for the page.</summary>
    public static async Task SignInAsync(IPage page, string path, string name)
    {
        await page.GotoAsync(path);
        await Expect(page.GetByTestId("sign-in-panel")).ToBeVisibleAsync();
        await page.GetByTestId("sign-in-name").FillAsync(name);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(name);
        await Expect(page.GetByTestId("sign-in-panel")).ToHaveCountAsync(0);
    }

    /// <summary>Waits for the consent dialog to show the app and scopes, then presses the answer's button.</summary>
    public static async Task AnswerConsentAsync(IPage page, string appName, string answer, params string[] scopes)
    {
        var dialog = page.GetByTestId("consent-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByTestId("consent-app")).ToHaveTextAsync(appName);
        var shown = dialog.GetByTestId("consent-scope");
        await Expect(shown).ToHaveCountAsync(scopes.Length);
        for (var i = 0; i < scopes.Length; i++)
        {
            await Expect(shown.Nth(i)).ToHaveAttributeAsync("data-scope", scopes[i]);
        }

        await dialog.GetByTestId("consent-" + answer).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
    }

    /// <summary>Where keyboard focus is: <c>inside:</c> or <c>outside:</c> the consent dialog, then the focused
    /// element's test id (or tag name).</summary>
    public static Task<string> FocusAsync(IPage page) => page.EvaluateAsync<string>("""
        () => {
          const e = document.activeElement;
          const where = e?.closest('[data-testid=consent-dialog]') ? 'inside:' : 'outside:';
          return where + (e?.getAttribute('data-testid') ?? e?.tagName ?? 'nothing');
        }
        """);

    /// <summary>Presses <paramref name="key"/> <paramref name="times"/> times, failing as soon as focus is outside the
    /// consent dialog.</summary>
    public static async Task KeepsFocusInDialogAsync(IPage page, string key, int times)
    {
        for (var i = 1; i <= times; i++)
        {
            await page.Keyboard.PressAsync(key);
            var focus = await FocusAsync(page);
            Assert.True(focus.StartsWith("inside:", StringComparison.Ordinal), $"{key} #{i} moved focus out of the dialog, to {focus}.");
        }
    }

    /// <summary>Opens the console and signs in with the admin key, pressing Enter in the key's field.</summary>
    public static async Task SignInAsOperatorAsync(IPage page, HostProcess host)
    {
        await page.GotoAsync("/console");
        var key = page.GetByTestId("admin-key");
        await key.FillAsync(host.AdminKey);
        await key.PressAsync("Enter");
        await Expect(page.GetByTestId("operator")).ToContainTextAsync("operator");
    }

    /// <summary>Tabs through the page from its start and fails unless every visible control is reached, each with a
    /// visible focus mark (an outline or a box shadow), and focus comes back round.</summary>
    public static async Task TabReachesEveryControlAsync(IPage page)
    {
        var controls = await page.EvaluateAsync<int>("""
            () => [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
              .filter(e => !e.disabled && e.getClientRects().length > 0 && !e.closest('[inert]')).length
            """);
        Assert.True(controls > 0, "The page has no control.");
        await page.EvaluateAsync("() => document.activeElement?.blur()");
        var reached = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < controls + 3; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focus = await page.EvaluateAsync<JsonElement>("""
                () => {
                  const e = document.activeElement;
                  if (!e || e === document.body) return null;
                  e.dataset.tabbed ??= String(document.querySelectorAll('[data-tabbed]').length);
                  const style = getComputedStyle(e);
                  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
                  return { id: e.dataset.tabbed, name: (e.getAttribute('data-testid') ?? e.tagName) + ' ' + (e.textContent ?? '').trim().slice(0, 30),
                    visible: outline || style.boxShadow !== 'none' };
                }
                """);
            if (focus.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var name = focus.GetProperty("name").GetString()!;
            Assert.True(focus.GetProperty("visible").GetBoolean(), $"Focus on {name} is not visible.");
            reached[focus.GetProperty("id").GetString()!] = name;
        }

        Assert.True(reached.Count == controls, $"Tab reached {reached.Count} of {controls} controls: {string.Join(", ", reached.Values)}.");
    }

    /// <summary>The fonts the browser drew the text of the first element matching <paramref name="selector"/> with
    /// (Chromium's own answer, through the DevTools protocol).</summary>
    public static async Task<IReadOnlyList<string>> RenderedFontsAsync(IPage page, string selector)
    {
        var devTools = await page.Context.NewCDPSessionAsync(page);
        await devTools.SendAsync("DOM.enable");
        await devTools.SendAsync("CSS.enable");
        var document = await devTools.SendAsync("DOM.getDocument");
        var node = await devTools.SendAsync("DOM.querySelector", new Dictionary<string, object>
        {
            ["nodeId"] = document!.Value.GetProperty("root").GetProperty("nodeId").GetInt32(),
            ["selector"] = selector,
        });
        var fonts = await devTools.SendAsync("CSS.getPlatformFontsForNode", new Dictionary<string, object>
        {
            ["nodeId"] = node!.Value.GetProperty("nodeId").GetInt32(),
        });
        return [.. fonts!.Value.GetProperty("fonts").EnumerateArray().Select(font => font.GetProperty("familyName").GetString()!)];
    }
}
