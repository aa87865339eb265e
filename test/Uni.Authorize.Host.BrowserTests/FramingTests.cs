using System.Net;
using System.Net.Sockets;
using System.Text;
using static Microsoft.Playwright.Assertions;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>The pages refuse to be framed: a page on another origin that embeds them gets nothing rendered.</summary>
public sealed class FramingTests(HostProcess host, Browser browser) : IClassFixture<Browser>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/consent")]
    [InlineData("/settings?app=demo-wechat")]
    public async Task Pages_AnyPage_SendFrameAncestorsNoneAndDeny(string path)
    {
        using var response = await host.Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task ConsentPage_FramedByAnotherOrigin_RendersNothing()
    {
        await using var tab = await browser.OpenAsync(host);
        var page = tab.Page;
        await Pages.SignInAsync(page, "/consent", Pages.UniqueUser("framed"));

        // Another origin on this machine embeds the consent page, and, as a control that framing works at all, a page
        // of its own.
        var consentUrl = new Uri(host.BaseAddress, "/consent").ToString();
        using var attacker = OtherOrigin.Start(origin =>
            $"""<html><body><iframe id="victim" src="{consentUrl}"></iframe><iframe id="control" src="{origin}control"></iframe></body></html>""");
        var refusals = new List<string>();
        page.Console += (_, message) =>
        {
            lock (refusals)
            {
                refusals.Add(message.Text);
            }
        };
        var consentResponse = page.WaitForResponseAsync(consentUrl);

        await page.GotoAsync(attacker.Origin);
        var response = await consentResponse;
        Assert.Equal(200, response.Status);
        await Expect(page.FrameLocator("#control").Locator("#screen")).ToHaveTextAsync("framed");

        // Chromium refuses the response and shows its error page in the frame instead, saying why on the console.
        var victim = await (await page.QuerySelectorAsync("#victim"))!.ContentFrameAsync();
        Assert.NotNull(victim);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline && (victim.Url is "" or "about:blank" || !Refused()))
        {
            await page.WaitForTimeoutAsync(100);
        }

        Assert.NotEqual(consentUrl, victim.Url);
        Assert.Equal(0, await page.FrameLocator("#victim").Locator("#screen, [data-testid]").CountAsync());
        Assert.Contains("frame-ancestors 'none'", await response.HeaderValueAsync("content-security-policy") ?? string.Empty);
        Assert.True(Refused(), "Chromium did not report the frame-ancestors refusal: " + string.Join(" | ", refusals));

        bool Refused()
        {
            lock (refusals)
            {
                return refusals.Any(text => text.Contains("frame-ancestors", StringComparison.Ordinal));
            }
        }
    }

    /// <summary>A page server on another loopback port: another origin than the host's.</summary>
    private sealed class OtherOrigin : IDisposable
    {
        private readonly HttpListener _listener = new();

        private OtherOrigin(Func<string, string> page)
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Origin = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/";
            }

            _listener.Prefixes.Add(Origin);
            _listener.Start();
            _ = ServeAsync(page(Origin));
        }

        public string Origin { get; }

        public static OtherOrigin Start(Func<string, string> page) => new(page);

        public void Dispose() => _listener.Close();

        private async Task ServeAsync(string page)
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var body = Encoding.UTF8.GetBytes(context.Request.Url!.AbsolutePath == "/control"
                    ? """<html><body><div id="screen">framed</div></body></html>"""
                    : page);
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }
    }
}
