using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Webhooks;

public sealed class WebhookTests : IAsyncLifetime
{
    private readonly TestHost _host = new(new Dictionary<string, string?>
    {
        ["Webhooks:AllowHttpLoopback"] = "true",
        ["Webhooks:AllowedNetworks:0"] = "127.0.0.1/32",
        ["Webhooks:PollInterval"] = "00:00:00.050",
        ["Webhooks:FirstRetryDelay"] = "00:00:00.050",
        ["Webhooks:MaxRetryDelay"] = "00:00:00.200",
    });

    private WebhookReceiver _receiver = null!;
    private HttpClient _admin = null!;
    private string _appId = null!;
    private string _userId = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _admin = _host.Admin();
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        _userId = await _host.CreateUserAsync("alice");
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task PutWebhook_NewThenChanged_SecretShownOnlyWhenCreated()
    {
        var created = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/webhook", new { url = _receiver.Url }, Ct);
        var changed = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/webhook", new { url = "https://hooks.example.com/uni" }, Ct);
        var read = await _admin.GetFromJsonAsync<JsonObject>($"/admin/v1/apps/{_appId}/webhook", Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("whsec_", (string)(await Json(created))["secret"]!, StringComparison.Ordinal);
        Assert.Equal("no-store", created.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Null((await Json(changed))["secret"]);
        Assert.Equal("https://hooks.example.com/uni", (string)read!["url"]!);
        Assert.Null(read["secret"]);
    }

    [Theory]
    [InlineData("http://hooks.example.com/uni")]
    [InlineData("ftp://hooks.example.com/uni")]
    [InlineData("https://user:pass@hooks.example.com/uni")]
    [InlineData("https://hooks.example.com/uni#part")]
    [InlineData("/relative")]
    [InlineData("")]
    public async Task PutWebhook_UnfitUrl_400NamingTheRule(string url)
    {
        var response = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/webhook", new { url }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_webhook_url", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task PutWebhook_HttpLoopbackWithoutTheOption_400()
    {
        await using var strict = new TestHost();
        var (appId, _) = await strict.CreateAppAsync(Platform.Baidu);
        using var admin = strict.Admin();

        var response = await admin.PutAsJsonAsync($"/admin/v1/apps/{appId}/webhook", new { url = "http://127.0.0.1:9/hooks" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("AllowHttpLoopback", (string)(await Json(response))["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_UnknownAppOrNone_404()
    {
        var unknownApp = await _admin.PutAsJsonAsync("/admin/v1/apps/no-such-app/webhook", new { url = "https://hooks.example.com/" }, Ct);
        var none = await _admin.GetAsync($"/admin/v1/apps/{_appId}/webhook", Ct);
        var rotateNone = await _admin.PostAsync($"/admin/v1/apps/{_appId}/webhook/secret", null, Ct);
        var deleteNone = await _admin.DeleteAsync($"/admin/v1/apps/{_appId}/webhook", Ct);

        Assert.Equal(("app_not_found", HttpStatusCode.NotFound), ((string)(await Json(unknownApp))["code"]!, unknownApp.StatusCode));
        Assert.All([none, rotateNone, deleteNone], r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
    }

    [Fact]
    public async Task SettingsRevoke_RegisteredWebhook_DeliversOneSignedEventWithTheAppsOpenId()
    {
        var secret = await RegisterAsync();
        await GrantThenRevokeAsync("scope.userLocation");

        var delivery = Assert.Single(await _receiver.WaitForAsync(1));

        Assert.Equal(Verdict.Accepted, new ReceiverChecks(secret).Check(delivery));
        var body = JsonNode.Parse(delivery.Text)!.AsObject();
        var openId = await _host.Services.GetRequiredService<Pseudonyms>().OpenIdAsync(_appId, _userId, Ct);
        Assert.Equal((delivery.Id, "scope.revoked", _appId, openId, "scope.userLocation"),
            ((string)body["id"]!, (string)body["type"]!, (string)body["appId"]!, (string)body["openId"]!, (string)body["scope"]!));
        Assert.Equal("1", delivery.Attempt);
        Assert.DoesNotContain(_userId, delivery.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivery_RealDelivery_VerifiedByTheStandardWebhooksLibrariesOfDotNetAndNode()
    {
        var secret = await RegisterAsync();
        await GrantThenRevokeAsync("scope.userLocation");

        var delivery = Assert.Single(await _receiver.WaitForAsync(1));
        var (exitCode, output) = await NodeWebhookVerifier.VerifyAsync(secret, delivery);
        var (tamperedExit, tamperedOutput) = await NodeWebhookVerifier.VerifyAsync(secret, delivery with { Id = "evt_00000000000000000000000000000000" });

        Assert.Matches("^v1,[A-Za-z0-9+/]{43}=$", delivery.Signature);
        new StandardWebhooks.StandardWebhook(secret).Verify(delivery.Text, delivery.Headers);
        Assert.True(exitCode == 0, output);
        Assert.Equal(delivery.Id, (string)JsonNode.Parse(output)!["id"]!);
        Assert.Equal(1, tamperedExit);
        Assert.StartsWith("refused:", tamperedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delivery_ReceiverFailsFiveTimes_DeliveredOnceMoreWithTheSameIdAndExactlyOneSuccess()
    {
        var secret = await RegisterAsync();
        _receiver.Respond = static n => n <= 5 ? 500 : 200;
        await GrantThenRevokeAsync("scope.camera");

        var deliveries = await _receiver.WaitForAsync(6);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(6, _receiver.Deliveries.Count);
        Assert.Single(deliveries.Select(d => d.Id).Distinct());
        Assert.Equal(["1", "2", "3", "4", "5", "6"], deliveries.Select(d => d.Attempt));
        Assert.Equal([500, 500, 500, 500, 500, 200], deliveries.Select(d => d.Status));
        var checks = new ReceiverChecks(secret);
        Assert.All(deliveries, d => Assert.NotEqual(Verdict.BadSignature, checks.Check(d)));
    }

    [Fact]
    public async Task ReceiverChecks_ReplayedTamperedOrStaleDelivery_Recognised()
    {
        var secret = await RegisterAsync();
        await GrantThenRevokeAsync("scope.record");
        var delivery = Assert.Single(await _receiver.WaitForAsync(1));
        var checks = new ReceiverChecks(secret);
        var signed = DateTimeOffset.FromUnixTimeSeconds(long.Parse(delivery.Timestamp, System.Globalization.CultureInfo.InvariantCulture));
        var old = signed.AddMinutes(-10);
        var oldText = old.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(Verdict.Accepted, checks.Check(delivery));
        Assert.Equal(Verdict.Duplicate, checks.Check(delivery));
        // A delivery signed ten minutes ago (a replay), validly signed: too old.
        Assert.Equal(Verdict.Stale, new ReceiverChecks(secret).Check(delivery with { Timestamp = oldText, Signature = new StandardWebhooks.StandardWebhook(secret).Sign(delivery.Id, old, delivery.Text) }));
        // The same signature with another time, id or body: the id and the time are signed with the body.
        Assert.Equal(Verdict.BadSignature, new ReceiverChecks(secret).Check(delivery with { Timestamp = (signed.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal(Verdict.BadSignature, new ReceiverChecks(secret).Check(delivery with { Id = "evt_00000000000000000000000000000000" }));
        Assert.Equal(Verdict.BadSignature, new ReceiverChecks(secret).Check(delivery with { Body = [.. delivery.Body, (byte)' '] }));
        Assert.Equal(Verdict.BadSignature, new ReceiverChecks(WebhookSignature.NewSecret()).Check(delivery));
    }

    [Fact]
    public async Task RotateSecret_AfterRotation_EventsSignedWithTheNewSecretOnly()
    {
        var old = await RegisterAsync();
        var rotated = await _admin.PostAsync($"/admin/v1/apps/{_appId}/webhook/secret", null, Ct);
        var secret = (string)(await Json(rotated))["secret"]!;
        await GrantThenRevokeAsync("scope.camera");

        var delivery = Assert.Single(await _receiver.WaitForAsync(1));

        Assert.NotEqual(old, secret);
        Assert.Equal(Verdict.Accepted, new ReceiverChecks(secret).Check(delivery));
        Assert.Equal(Verdict.BadSignature, new ReceiverChecks(old).Check(delivery));
    }

    [Fact]
    public async Task EraseAndSessionRevoke_RegisteredWebhook_DeliverSessionRevokedThenUserErased()
    {
        await RegisterAsync();
        await _host.Services.GetRequiredService<DecisionManager>().SetDecisionAsync(new Subject(_appId, _userId), "scope.camera", DecisionState.Granted,
            DecisionSource.Prompt, Platform.WeChat, Ct);
        var session = await Json(await _admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId = _userId }, Ct));

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.PostAsJsonAsync("/admin/v1/sessions/revoke", new { token = (string)session["token"]! }, Ct)).StatusCode);
        var first = Assert.Single(await _receiver.WaitForAsync(1));
        Assert.Equal(HttpStatusCode.OK, (await _admin.DeleteAsync($"/admin/v1/users/{_userId}/data", Ct)).StatusCode);
        var second = (await _receiver.WaitForAsync(2))[1];

        Assert.Equal("session.revoked", (string)JsonNode.Parse(first.Text)!["type"]!);
        var erased = JsonNode.Parse(second.Text)!.AsObject();
        Assert.Equal("user.erased", (string)erased["type"]!);
        Assert.Null(erased["scope"]);
        // Kept in the outbox as the id the app knows, the host's id forgotten: the same openid as before the erasure.
        Assert.Equal(await _host.Services.GetRequiredService<Pseudonyms>().OpenIdAsync(_appId, _userId, Ct), (string)erased["openId"]!);
        Assert.DoesNotContain(_userId, second.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteWebhook_PendingEvents_NeverDelivered()
    {
        await RegisterAsync();
        _receiver.Respond = static _ => 503;
        await GrantThenRevokeAsync("scope.camera");
        await _receiver.WaitForAsync(1);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/admin/v1/apps/{_appId}/webhook", Ct)).StatusCode);
        var count = _receiver.Deliveries.Count;
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);

        Assert.Equal(count, _receiver.Deliveries.Count);
        Assert.Empty(await _host.Services.GetRequiredService<IWebhookStore>().ListDueAsync(DateTimeOffset.MaxValue, 10, Ct));
    }

    private async Task<string> RegisterAsync()
    {
        var response = await _admin.PutAsJsonAsync($"/admin/v1/apps/{_appId}/webhook", new { url = _receiver.Url }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await Json(response))["secret"]!;
    }

    // The user allows the scope in the dialog, then turns it off on the settings page.
    private async Task GrantThenRevokeAsync(string scope)
    {
        await _host.Services.GetRequiredService<DecisionManager>().SetDecisionAsync(new Subject(_appId, _userId), scope, DecisionState.Granted,
            DecisionSource.Prompt, Platform.WeChat, Ct);
        using var user = await _host.UserAsync("alice");
        var response = await user.PutAsJsonAsync($"/api/v1/user/apps/{_appId}/settings", new { scope, state = "denied" }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
