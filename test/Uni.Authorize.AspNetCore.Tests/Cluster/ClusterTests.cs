using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>Three host processes on one PostgreSQL database behind nginx, no sticky routing: each step of a flow goes to
/// another instance (or through the balancer) and the flow ends as on one host.</summary>
public sealed class ClusterTests(ClusterTests.Fixture fixture) : IClassFixture<ClusterTests.Fixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private HostCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Flow_AppAsksOnAConsentOnBAnswerOnC_AsPollReturnsTheGrant()
    {
        var name = NewName();
        var (appId, _, _, token) = await Cluster.NewAppSessionAsync(0, Platform.WeChat, name);
        var appOnA = Cluster.Client(0, bearer: token);

        var asked = await appOnA.PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var callId = (string)(await HostCluster.ReadAsync(asked))["callId"]!;

        var cookies = await Cluster.SignInAsync(1, name);
        var consent = await WaitForConsentAsync(await Cluster.BrowserAsync(1, cookies));
        Assert.Equal(appId, (string)consent["app"]!["id"]!);

        var userOnC = await Cluster.BrowserAsync(2, cookies);
        var answered = await userOnC.PostAsJsonAsync($"/api/v1/user/consents/{(string)consent["id"]!}/answer", new { answer = "allow" }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);

        var polled = await appOnA.GetAsync($"/api/v1/calls/{callId}?wait=15", Ct);
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        Assert.Equal("authorize:ok", (string)(await HostCluster.ReadAsync(polled))["errMsg"]!);

        // The call is readable through any instance, and the grant holds everywhere without asking again.
        var onB = await Cluster.Client(1, bearer: token).GetAsync($"/api/v1/calls/{callId}", Ct);
        Assert.Equal(HttpStatusCode.OK, onB.StatusCode);
        var again = await Cluster.Client(2, bearer: token).PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }, Ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task FirstCalls_SameUserAndScopeOnEveryInstance_MakeExactlyOneConsent()
    {
        var name = NewName();
        var (_, _, _, token) = await Cluster.NewAppSessionAsync(0, Platform.WeChat, name);
        var asks = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
            Cluster.Client(i, bearer: token).PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.record" }, Ct)));
        Assert.All(asks, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        var calls = new List<string>();
        foreach (var ask in asks)
        {
            calls.Add((string)(await HostCluster.ReadAsync(ask))["callId"]!);
        }

        var cookies = await Cluster.SignInAsync(2, name);
        var user = await Cluster.BrowserAsync(2, cookies);
        var consent = await WaitForConsentAsync(user);
        await Task.Delay(300, Ct);
        var list = await HostCluster.ReadAsync(await user.GetAsync("/api/v1/user/consents", Ct));
        Assert.Single(list["consents"]!.AsArray());

        var denied = await user.PostAsJsonAsync($"/api/v1/user/consents/{(string)consent["id"]!}/answer", new { answer = "deny" }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, denied.StatusCode);
        for (var i = 0; i < 3; i++)
        {
            var polled = await Cluster.Client((i + 1) % 3, bearer: token).GetAsync($"/api/v1/calls/{calls[i]}?wait=15", Ct);
            Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
            Assert.Equal("authorize:fail auth deny", (string)(await HostCluster.ReadAsync(polled))["errMsg"]!);
        }
    }

    [Fact]
    public async Task SettingsGrant_OnAnotherInstance_EndsTheWaitingCallAtOnce()
    {
        var name = NewName();
        var (appId, _, _, token) = await Cluster.NewAppSessionAsync(0, Platform.WeChat, name);
        var appOnA = Cluster.Client(0, bearer: token);
        var cookies = await Cluster.SignInAsync(2, name);
        var userOnC = await Cluster.BrowserAsync(2, cookies);

        // A scope the user was asked about is a switch of the settings page; set back to "ask", the next call waits.
        var first = await appOnA.PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var consent = await WaitForConsentAsync(userOnC);
        Assert.Equal(HttpStatusCode.NoContent,
            (await userOnC.PostAsJsonAsync($"/api/v1/user/consents/{(string)consent["id"]!}/answer", new { answer = "deny" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SetAsync(userOnC, appId, "notDetermined")).StatusCode);
        var asked = await appOnA.PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var callId = (string)(await HostCluster.ReadAsync(asked))["callId"]!;
        await WaitForConsentAsync(userOnC);

        var poll = appOnA.GetAsync($"/api/v1/calls/{callId}?wait=25", Ct);
        var clock = Stopwatch.StartNew();
        var changed = await SetAsync(userOnC, appId, "granted");
        Assert.True(changed.StatusCode == HttpStatusCode.OK, await changed.Content.ReadAsStringAsync(Ct));
        var polled = await poll;

        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        Assert.Equal("authorize:ok", (string)(await HostCluster.ReadAsync(polled))["errMsg"]!);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"The waiting call ended {clock.Elapsed} after the grant.");
        var list = await HostCluster.ReadAsync(await userOnC.GetAsync("/api/v1/user/consents", Ct));
        Assert.Empty(list["consents"]!.AsArray());
    }

    private static Task<HttpResponseMessage> SetAsync(HttpClient user, string appId, string state) =>
        user.PutAsJsonAsync($"/api/v1/user/apps/{appId}/settings", new { scope = "scope.userLocation", state }, Ct);

    [Fact]
    public async Task WithdrawCalls_WaitingOnTwoInstances_ConsentLeavesTheListOnlyAfterBoth()
    {
        var name = NewName();
        var (_, _, _, token) = await Cluster.NewAppSessionAsync(0, Platform.WeChat, name);
        var calls = new List<string>();
        foreach (var instance in new[] { 0, 1 })
        {
            var asked = await Cluster.Client(instance, bearer: token).PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.werun" }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
            calls.Add((string)(await HostCluster.ReadAsync(asked))["pollUrl"]!);
        }

        var user = await Cluster.BrowserAsync(2, await Cluster.SignInAsync(2, name));
        var consent = await WaitForConsentAsync(user);

        Assert.Equal(HttpStatusCode.NoContent, (await Cluster.Client(2, bearer: token).DeleteAsync(calls[0], Ct)).StatusCode);
        await Task.Delay(500, Ct);
        Assert.Equal((string)consent["id"]!, (string)(await WaitForConsentAsync(user))["id"]!);

        Assert.Equal(HttpStatusCode.NoContent, (await Cluster.Client(2, bearer: token).DeleteAsync(calls[1], Ct)).StatusCode);
        var deadline = DateTime.UtcNow + Patience;
        while ((await HostCluster.ReadAsync(await user.GetAsync("/api/v1/user/consents", Ct)))["consents"]!.AsArray().Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The consent stayed after both calls were withdrawn.");
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task SessionRevoke_OnOneInstance_IsRefusedByEveryInstanceWithinOneSecond()
    {
        var (_, _, _, token) = await Cluster.NewAppSessionAsync(0, Platform.Alipay, NewName());
        var apps = Enumerable.Range(0, 3).Select(i => Cluster.Client(i, bearer: token)).ToArray();
        foreach (var app in apps)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/api/v1/session", Ct)).StatusCode);
        }

        var revoked = await Cluster.Client(1, admin: true).PostAsJsonAsync("/admin/v1/sessions/revoke", new { token }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var clock = Stopwatch.StartNew();
        var refusedAt = await Task.WhenAll(apps.Select(async app =>
        {
            while ((await app.GetAsync("/api/v1/session", Ct)).StatusCode != HttpStatusCode.Unauthorized)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(5))
                {
                    return clock.Elapsed;
                }

                await Task.Delay(20, Ct);
            }

            return clock.Elapsed;
        }));

        Assert.All(refusedAt, t => Assert.True(t < TimeSpan.FromSeconds(1), $"Refused after {string.Join(", ", refusedAt)}."));
    }

    [Fact]
    public async Task CodeExchange_HundredRedeemersAcrossInstances_ExactlyOneWins()
    {
        var (appId, secret, _, token) = await Cluster.NewAppSessionAsync(0, Platform.WeChat, NewName());
        var login = await Cluster.Client(1, bearer: token).PostAsync("/api/v1/login", null, Ct);
        var code = (string)(await HostCluster.ReadAsync(login))["code"]!;
        var servers = Enumerable.Range(0, 4).Select(i => Cluster.Client(i < 3 ? i : null)).ToArray();

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            servers[i % 4].PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
            }), Ct)));

        // WeChat answers HTTP 200 every time: the errcode tells the one redemption from the refusals.
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var errcodes = await Task.WhenAll(answers.Select(async a => (int?)(await HostCluster.ReadAsync(a))["errcode"] ?? 0));
        Assert.Equal(1, errcodes.Count(e => e == 0));
        Assert.All(errcodes.Where(e => e != 0), e => Assert.Equal(40163, e));
    }

    [Fact]
    public async Task Flow_ThroughNginxRoundRobin_CompletesWithoutStickyRouting()
    {
        var name = NewName();
        var (appId, _, _, token) = await Cluster.NewAppSessionAsync(null, Platform.ByteDance, name);
        var app = Cluster.Client(null, bearer: token);
        var asked = await app.PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.album" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var callId = (string)(await HostCluster.ReadAsync(asked))["callId"]!;

        var cookies = await Cluster.SignInAsync(0, name);
        var user = await Cluster.BrowserAsync(null, cookies);
        var consent = await WaitForConsentAsync(user);
        Assert.Equal(appId, (string)consent["app"]!["id"]!);
        Assert.Equal(HttpStatusCode.NoContent,
            (await user.PostAsJsonAsync($"/api/v1/user/consents/{(string)consent["id"]!}/answer", new { answer = "allow" }, Ct)).StatusCode);

        var polled = await app.GetAsync($"/api/v1/calls/{callId}?wait=15", Ct);
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        Assert.Equal("ok", (string)(await HostCluster.ReadAsync(polled))["status"]!);
        var settings = await HostCluster.ReadAsync(await app.GetAsync("/api/v1/settings", Ct));
        Assert.True((bool)settings["authSetting"]!["scope.album"]!);
    }

    [Fact]
    public async Task NameSignIn_ThroughNginx_IsRefusedWhileTheSameRequestAtAnInstanceSignsIn()
    {
        var throughNginx = Cluster.Client(null, new CookieContainer());
        var atInstance = Cluster.Client(1, new CookieContainer());
        await TestHost.RefreshAntiforgeryAsync(throughNginx);
        await TestHost.RefreshAntiforgeryAsync(atInstance);

        var probe = await throughNginx.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" }, Ct);
        var me = await HostCluster.ReadAsync(await throughNginx.GetAsync("/api/v1/user/me", Ct));
        var direct = await atInstance.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, probe.StatusCode);
        Assert.Equal("name_sign_in_disabled", (string)(await HostCluster.ReadAsync(probe))["code"]!);
        Assert.False((bool)me["nameSignIn"]!);
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
    }

    internal static async Task<JsonObject> WaitForConsentAsync(HttpClient user)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var list = await HostCluster.ReadAsync(await user.GetAsync("/api/v1/user/consents?wait=5", Ct));
            if (list["consents"]!.AsArray() is { Count: > 0 } consents)
            {
                return consents[0]!.AsObject();
            }
        }

        throw new TimeoutException("No consent arrived.");
    }

    internal static string NewName() => "user-" + Guid.NewGuid().ToString("N")[..10];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One cluster for the class: every test registers its own app and user.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        internal HostCluster Cluster { get; private set; } = null!;

        public async ValueTask InitializeAsync() => Cluster = await HostCluster.StartAsync(3);

        public async ValueTask DisposeAsync()
        {
            if (Cluster is not null)
            {
                await Cluster.DisposeAsync();
            }
        }
    }
}

/// <summary>An instance killed with <c>kill -9</c> in the middle of a flow: the others finish it, nothing is lost.</summary>
public sealed class ClusterKillTests
{
    [Fact]
    public async Task Flow_InstanceKilledWhileItsCallWaits_CompletesThroughTheOthers()
    {
        await using var cluster = await HostCluster.StartAsync(3, withNginx: false);
        var ct = TestContext.Current.CancellationToken;
        var name = ClusterTests.NewName();
        var (appId, _, _, token) = await cluster.NewAppSessionAsync(0, Platform.WeChat, name);
        var asked = await cluster.Client(0, bearer: token).PostAsJsonAsync("/api/v1/authorize?wait=0", new { scope = "scope.camera" }, ct);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var callId = (string)(await HostCluster.ReadAsync(asked))["callId"]!;
        var cookies = await cluster.SignInAsync(1, name);
        var consent = await ClusterTests.WaitForConsentAsync(await cluster.BrowserAsync(1, cookies));

        await cluster.Hosts[0].KillAsync();
        var answered = await (await cluster.BrowserAsync(1, cookies)).PostAsJsonAsync(
            $"/api/v1/user/consents/{(string)consent["id"]!}/answer", new { answer = "allow" }, ct);
        Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);

        var polled = await cluster.Client(2, bearer: token).GetAsync($"/api/v1/calls/{callId}?wait=25", ct);
        Assert.Equal(HttpStatusCode.OK, polled.StatusCode);
        Assert.Equal("authorize:ok", (string)(await HostCluster.ReadAsync(polled))["errMsg"]!);

        var settings = await HostCluster.ReadAsync(await cluster.Client(1, bearer: token).GetAsync("/api/v1/settings", ct));
        Assert.True((bool)settings["authSetting"]!["scope.camera"]!);
        Assert.Equal(appId, (string)(await HostCluster.ReadAsync(await cluster.Client(2, bearer: token).GetAsync("/api/v1/session", ct)))["appId"]!);
    }
}
