using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Uni.Authorize.AspNetCore.Tests.Webhooks;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// Boundary: webhook URLs (set with the admin key, for an app's server) cannot aim the host's outbound calls at its own
/// network. Loopback, private, link-local, CGNAT, unique-local and other internal addresses are refused at registration
/// when the URL spells one, and at connect time whatever the URL's name resolves to then (DNS rebinding), unless
/// <c>Webhooks:AllowedNetworks</c> names them; a failed delivery is logged as a coarse category, never the socket's text.
/// </summary>
public sealed class WebhookDestinationTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private TestHost _host = null!;
    private HttpClient _admin = null!;
    private string _appId = null!;
    private string _userId = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = Host(_logs);
        _admin = _host.Admin();
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        _userId = await _host.CreateUserAsync("mallory");
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://127.0.0.1:6379/")]
    [InlineData("https://[::1]:2375/")]
    [InlineData("https://10.0.0.5/")]
    [InlineData("https://2130706433:8443/")]
    [InlineData("https://0177.0.0.1/")]
    [InlineData("https://0x7f.0.0.1/")]
    [InlineData("https://127.1/")]
    [InlineData("https://[::ffff:127.0.0.1]/")]
    [InlineData("https://[::ffff:a9fe:a9fe]/")]
    [InlineData("https://[::10.0.0.5]/")]
    [InlineData("https://[64:ff9b::a9fe:a9fe]/")]
    [InlineData("https://[2002:c0a8:0101::1]/")]
    [InlineData("https://172.16.0.1/")]
    [InlineData("https://192.168.1.1/")]
    [InlineData("https://100.64.0.1/")]
    [InlineData("https://0.0.0.0/")]
    [InlineData("https://198.18.0.1/")]
    [InlineData("https://255.255.255.255/")]
    [InlineData("https://224.0.0.1/")]
    [InlineData("https://[fd00::1]/")]
    [InlineData("https://[fe80::1]/")]
    [InlineData("https://[::]/")]
    [InlineData("https://localhost:6379/")]
    [InlineData("https://metadata.localhost/")]
    public async Task RegisterWebhook_InternalAddressInAnySpelling_400NamingTheRule(string url)
    {
        var response = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/webhook", new { url }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Json(response);
        Assert.Equal("invalid_webhook_url", (string)problem["code"]!);
        Assert.Contains(WebhookDestinations.Refusal, (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Contains("AllowedNetworks", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Null(await _host.Services.GetRequiredService<IWebhookStore>().GetEndpointAsync(_appId, Ct));
    }

    [Theory]
    [InlineData("https://8.8.8.8/hooks")]
    [InlineData("https://[2606:4700:4700::1111]/hooks")]
    [InlineData("https://hooks.example.com/uni")]
    public async Task RegisterWebhook_PublicAddressOrName_Accepted(string url)
    {
        var response = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/webhook", new { url }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task RegisterWebhook_InternalAddressTheAllowListNames_AcceptedAndOthersStillRefused()
    {
        await using var host = Host(null, "10.0.0.0/8", "169.254.169.254", "::1/128");
        var (appId, _) = await host.CreateAppAsync(Platform.Alipay);
        using var admin = host.Admin();

        async Task<HttpStatusCode> PutAsync(string url) => (await admin.PutAsJsonAsync($"/admin/v1/apps/{appId}/webhook", new { url }, Ct)).StatusCode;

        Assert.Equal(HttpStatusCode.Created, await PutAsync("https://10.0.0.5/"));
        Assert.Equal(HttpStatusCode.OK, await PutAsync("https://169.254.169.254/latest/meta-data/"));
        Assert.Equal(HttpStatusCode.OK, await PutAsync("https://[::1]:2375/"));
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync("https://127.0.0.1:6379/"));
        Assert.Equal(HttpStatusCode.BadRequest, await PutAsync("https://169.254.169.253/"));
    }

    // What delivery does with a URL that got into the store anyway (registered before this rule, or a name that
    // resolved elsewhere when it was registered): the delivery client itself refuses before any connection.
    [Theory]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("https://127.0.0.1:6379/")]
    [InlineData("https://[::1]:2375/")]
    [InlineData("https://10.0.0.5/")]
    [InlineData("https://2130706433:8443/")]
    [InlineData("https://0177.0.0.1/")]
    [InlineData("https://[::ffff:127.0.0.1]/")]
    [InlineData("http://localhost:2375/")]
    public async Task DeliveryClient_InternalDestination_RefusedAtConnectTime(string url)
    {
        var client = _host.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WebhookDelivery.HttpClientName);

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(url, new StringContent("{}"), Ct));

        Assert.Equal(WebhookDestinations.Refusal, WebhookDelivery.FailureOf(failure));
    }

    [Fact]
    public async Task Delivery_NameResolvingToLoopback_NeverConnectsAndLogsOneCategory()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await StoreEndpointAsync(_host, _appId, new Uri($"http://localhost:{receiver.Url.Port}/hooks"));

        await RevokeSessionAsync(_host, _appId, _userId);
        var line = await LogLineAsync(_logs, _appId);

        Assert.Contains($"({WebhookDestinations.Refusal})", line, StringComparison.Ordinal);
        Assert.Empty(receiver.Deliveries);
    }

    [Fact]
    public async Task Delivery_NameResolvingToLoopbackTheAllowListNames_Delivered()
    {
        await using var host = Host(null, "127.0.0.1/32", "::1");
        var (appId, _) = await host.CreateAppAsync(Platform.Baidu);
        var userId = await host.CreateUserAsync("alice");
        await using var receiver = await WebhookReceiver.StartAsync();
        await StoreEndpointAsync(host, appId, new Uri($"http://localhost:{receiver.Url.Port}/hooks"));

        await RevokeSessionAsync(host, appId, userId);

        Assert.Single(await receiver.WaitForAsync(1));
    }

    // A closed port, a listener that is not TLS, and a listener that takes the connection and drops it must not be told
    // apart in the log: that is what a port scan through webhook URLs would read.
    [Fact]
    public async Task Delivery_RefusedResetOrFailedTls_LoggedAsTheSameCategoryWithoutTheSocketsText()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = Host(logs, "127.0.0.1/32");
        var userId = await host.CreateUserAsync("bob");
        await using var plain = await WebhookReceiver.StartAsync();
        using var dropper = new TcpListener(IPAddress.Loopback, 0);
        dropper.Start();
        var dropping = Task.Run(async () =>
        {
            while (true)
            {
                using var socket = await dropper.AcceptSocketAsync(Ct);
                socket.LingerState = new LingerOption(true, 0);
            }
        }, Ct);
        var destinations = new[]
        {
            new Uri($"http://127.0.0.1:{HostProcess.FreePort()}/hooks"),
            new Uri($"https://127.0.0.1:{plain.Url.Port}/hooks"),
            new Uri($"http://127.0.0.1:{((IPEndPoint)dropper.LocalEndpoint).Port}/hooks"),
        };

        var lines = new List<string>();
        foreach (var destination in destinations)
        {
            var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
            await StoreEndpointAsync(host, appId, destination);
            await RevokeSessionAsync(host, appId, userId);
            lines.Add(await LogLineAsync(logs, appId));
        }

        Assert.All(lines, l => Assert.Contains($"({WebhookDelivery.NoAnswer})", l, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("refused", StringComparison.OrdinalIgnoreCase)
            || l.Contains("SSL", StringComparison.Ordinal) || l.Contains("reset", StringComparison.OrdinalIgnoreCase)
            || l.Contains("SocketException", StringComparison.Ordinal) || l.Contains("HttpRequestException", StringComparison.Ordinal));
        Assert.Empty(plain.Deliveries);
        dropper.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => dropping);
    }

    private static TestHost Host(CapturingLoggerProvider? logs, params string[] allowed)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:PollInterval"] = "00:00:00.050",
            ["Webhooks:FirstRetryDelay"] = "00:01:00",
            ["Webhooks:Timeout"] = "00:00:05",
        };
        for (var i = 0; i < allowed.Length; i++)
        {
            settings[$"Webhooks:AllowedNetworks:{i}"] = allowed[i];
        }

        return new TestHost(settings, logs is null ? null : services => services.AddLogging(b => b.AddProvider(logs)));
    }

    private static async Task StoreEndpointAsync(TestHost host, string appId, Uri url) =>
        await host.Services.GetRequiredService<IWebhookStore>().SetEndpointAsync(
            new WebhookEndpoint(appId, url, WebhookSignature.NewSecret(), DateTimeOffset.UtcNow), Ct);

    // Revoking one of the user's sessions writes a session.revoked event for the app.
    private static async Task RevokeSessionAsync(TestHost host, string appId, string userId)
    {
        using var admin = host.Admin();
        var session = await Json(await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId, userId }, Ct));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/admin/v1/sessions/revoke", new { token = (string)session["token"]! }, Ct)).StatusCode);
    }

    // The delivery's log line about the app's failed attempt.
    private static async Task<string> LogLineAsync(CapturingLoggerProvider logs, string appId)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var line = logs.Lines.FirstOrDefault(l => l.StartsWith("Uni.Authorize.AspNetCore.WebhookDelivery", StringComparison.Ordinal)
                && l.Contains($"to app {appId} failed", StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No failed delivery to {appId} was logged.");
            await Task.Delay(20, Ct);
        }
    }
}
