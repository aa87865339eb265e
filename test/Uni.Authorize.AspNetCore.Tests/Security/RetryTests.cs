using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>Boundary: a client behind a load balancer retries a POST whose answer was lost (the instance that committed it
/// may be gone). The same answer again answers as the first time; another answer is a 409 naming the recorded one; an
/// answered consent is never "not found" while it is kept (CallRetention after its answer).</summary>
public sealed class RetryTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private string _appId = null!;
    private string _userId = null!;
    private HttpClient _user = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        _userId = await _host.CreateUserAsync("alice");
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync()
    {
        _user.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task AnswerConsent_SameAnswerRetried_204AsTheFirstTimeAndOneDecision()
    {
        using var app = await _host.MiniAppAsync(_appId, _userId);
        var call = PostJson(app, "/api/v1/authorize?wait=20", new { scope = "scope.camera" });
        var id = (string)(await PendingConsentAsync(_user))["id"]!;

        var first = await AnswerAsync(id, new { answer = "allow" });
        var retry = await AnswerAsync(id, new { answer = "allow" });

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        Assert.Equal("ok", (string)(await Json(await call.WaitAsync(Patience, Ct)))["status"]!);
        var history = await HistoryAsync("scope.camera");
        Assert.Single(history);
        Assert.Equal("granted", (string)history[0]!["to"]!);
    }

    [Fact]
    public async Task AnswerConsent_DifferentAnswerAfterTheFirst_409NamingTheRecordedAnswerWhichStands()
    {
        using var app = await _host.MiniAppAsync(_appId, _userId);
        var call = PostJson(app, "/api/v1/authorize?wait=20", new { scope = "scope.camera" });
        var id = (string)(await PendingConsentAsync(_user))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await AnswerAsync(id, new { answer = "deny" })).StatusCode);

        var other = await AnswerAsync(id, new { answer = "allow" });

        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        var problem = await Json(other);
        Assert.Equal(("consent_answered", "deny"), ((string)problem["code"]!, (string)problem["answer"]!));
        Assert.Equal("fail", (string)(await Json(await call.WaitAsync(Patience, Ct)))["status"]!);
        Assert.Equal("denied", await StateAsync("scope.camera"));
    }

    [Fact]
    public async Task AnswerConsent_PerScopeAnswerRetriedAndContradicted_204Then409NamingEachScopesAnswer()
    {
        var (alipayId, _) = await _host.CreateAppAsync(Platform.Alipay);
        using var app = await _host.MiniAppAsync(alipayId, _userId);
        var call = PostJson(app, "/api/v1/authorize?wait=20", new { scopes = new[] { "auth_user", "auth_zhima" } });
        var id = (string)(await PendingConsentAsync(_user))["id"]!;
        var answer = new { scopes = new Dictionary<string, string> { ["scope.userInfo"] = "allow", ["auth_zhima"] = "deny" } };
        Assert.Equal(HttpStatusCode.NoContent, (await AnswerAsync(id, answer)).StatusCode);

        var retry = await AnswerAsync(id, answer);
        var other = await AnswerAsync(id, new { answer = "allow" });

        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal("""{"scope.userInfo":"allow","auth_zhima":"deny"}""", (await Json(other))["scopes"]!.ToJsonString());
        await call.WaitAsync(Patience, Ct);
    }

    [Fact]
    public async Task AnswerConsent_AnotherUsersAnsweredConsent_404AndNothingAboutIt()
    {
        using var app = await _host.MiniAppAsync(_appId, _userId);
        var call = PostJson(app, "/api/v1/authorize?wait=20", new { scope = "scope.camera" });
        var id = (string)(await PendingConsentAsync(_user))["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await AnswerAsync(id, new { answer = "allow" })).StatusCode);
        using var mallory = await _host.UserAsync("mallory");

        var response = await mallory.PostAsJsonAsync($"/api/v1/user/consents/{id}/answer", new { answer = "allow" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null((await Json(response))["answer"]);
        await call.WaitAsync(Patience, Ct);
    }

    [Fact]
    public async Task ChangeSetting_SameSwitchWrittenAgain_AnswersAsTheFirstTimeAndRecordsOnce()
    {
        // A settings-only switch: the settings page shows it before the app ever asked.
        var first = await _user.PutAsJsonAsync($"/api/v1/user/apps/{_appId}/settings", new { scope = "scope.userLocationBackground", state = "granted" }, Ct);
        var retry = await _user.PutAsJsonAsync($"/api/v1/user/apps/{_appId}/settings", new { scope = "scope.userLocationBackground", state = "granted" }, Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await retry.Content.ReadAsStringAsync(Ct));
        Assert.Single(await HistoryAsync("scope.userLocationBackground"));
    }

    [Fact]
    public async Task AnswerConsent_InstanceThatCommittedIsGone_AnotherInstanceAnswersTheRetryAsTheFirstTime()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var data = Directory.CreateTempSubdirectory("uni-retry-");
        Dictionary<string, string?> Settings(string instance) => new()
        {
            ["Store:Provider"] = "PostgreSql", ["Store:ConnectionString"] = database.ConnectionString,
            ["Store:DataDirectory"] = Path.Combine(data.FullName, instance),
        };
        var other = new TestHost(Settings("b"));
        try
        {
            await RetriedOnAnotherInstanceAsync(new TestHost(Settings("a")), other);
        }
        finally
        {
            await other.DisposeAsync();
            data.Delete(recursive: true);
        }
    }

    private static async Task RetriedOnAnotherInstanceAsync(TestHost committed, TestHost other)
    {
        var jar = new CookieJar();
        string id;
        try
        {
            var (appId, _) = await committed.CreateAppAsync(Platform.WeChat);
            var userId = await committed.CreateUserAsync("alice");
            using var app = await committed.MiniAppAsync(appId, userId);
            Assert.Equal(HttpStatusCode.Accepted, (await PostJson(app, "/api/v1/authorize?wait=0", new { scope = "scope.camera" })).StatusCode);
            var token = await SignInAsync(committed, jar);
            id = (string)(await JarPendingConsentAsync(committed, jar))["id"]!;
            Assert.Equal(HttpStatusCode.NoContent, (await jar.SendAsync(committed, HttpMethod.Post, $"/api/v1/user/consents/{id}/answer", token,
                JsonContent.Create(new { answer = "allow" }))).StatusCode);
        }
        finally
        {
            await committed.DisposeAsync();
        }

        var retryToken = (string)(await Json(await jar.SendAsync(other, HttpMethod.Get, "/api/v1/user/antiforgery")))["token"]!;
        var retry = await jar.SendAsync(other, HttpMethod.Post, $"/api/v1/user/consents/{id}/answer", retryToken, JsonContent.Create(new { answer = "allow" }));
        var contradiction = await jar.SendAsync(other, HttpMethod.Post, $"/api/v1/user/consents/{id}/answer", retryToken, JsonContent.Create(new { answer = "deny" }));

        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, contradiction.StatusCode);
        Assert.Equal("allow", (string)(await Json(contradiction))["answer"]!);
    }

    private Task<HttpResponseMessage> AnswerAsync(string id, object body) =>
        _user.PostAsJsonAsync($"/api/v1/user/consents/{id}/answer", body, Ct);

    private async Task<JsonArray> HistoryAsync(string scope)
    {
        var history = await Json(await _user.GetAsync($"/api/v1/user/apps/{_appId}/history", Ct));
        return history["scopes"]!.AsArray().Single(s => (string)s!["scope"]! == scope)!["history"]!.AsArray();
    }

    private async Task<string> StateAsync(string scope)
    {
        var settings = await Json(await _user.GetAsync($"/api/v1/user/apps/{_appId}/settings", Ct));
        return (string)settings["entries"]!.AsArray().Single(e => (string)e!["scope"]! == scope)!["state"]!;
    }

    // Name sign-in through the cookie jar; returns the signed-in user's antiforgery token.
    private static async Task<string> SignInAsync(TestHost host, CookieJar jar)
    {
        var anonymous = (string)(await Json(await jar.SendAsync(host, HttpMethod.Get, "/api/v1/user/antiforgery")))["token"]!;
        Assert.Equal(HttpStatusCode.OK, (await jar.SendAsync(host, HttpMethod.Post, "/api/v1/user/sign-in", anonymous,
            JsonContent.Create(new { name = "alice" }))).StatusCode);
        return (string)(await Json(await jar.SendAsync(host, HttpMethod.Get, "/api/v1/user/antiforgery")))["token"]!;
    }

    private static async Task<JsonObject> JarPendingConsentAsync(TestHost host, CookieJar jar)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var list = await Json(await jar.SendAsync(host, HttpMethod.Get, "/api/v1/user/consents?wait=5"));
            if (list["consents"]!.AsArray() is { Count: > 0 } consents)
            {
                return consents[0]!.AsObject();
            }
        }

        throw new TimeoutException("No consent arrived.");
    }
}
