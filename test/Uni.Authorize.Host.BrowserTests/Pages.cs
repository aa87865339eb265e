using System.Security.Cryptography;
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
}
