using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The runnable host as a process: first-start seeding, and state that survives a restart on SQLite and PostgreSQL.</summary>
public sealed class HostProcessTests
{
    [Fact]
    public async Task Host_FirstStartOnSqlite_SeedsOneDemoAppPerPlatformAndKeepsSecretsOutOfTheOutput()
    {
        var data = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            await using var host = await HostProcess.StartAsync("--Store:DataDirectory=" + data);
            var secrets = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(data, "demo-apps.json")))!.AsObject();
            var adminKey = (await File.ReadAllTextAsync(Path.Combine(data, "admin.key"))).Trim();
            using var admin = Client(host);
            admin.DefaultRequestHeaders.Add("X-Admin-Key", adminKey);

            var apps = await admin.GetFromJsonAsync<JsonObject>("/admin/v1/apps");

            Assert.Equal(["alipay", "baidu", "bytedance", "kuaishou", "wechat"], apps!["apps"]!.AsArray().Select(a => (string)a!["platform"]!).Order());
            Assert.Equal(5, secrets.Count);
            Assert.Contains("(sign in as \"demo\"", host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(adminKey, host.Output, StringComparison.Ordinal);
            Assert.All(secrets, s => Assert.DoesNotContain((string)s.Value!, host.Output, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Host_ContentRootElsewhere_SecretsInQueryStringsAreNeverPrinted()
    {
        // Started from another folder, the host finds no appsettings.json: only its own code decides what it logs.
        var elsewhere = Directory.CreateTempSubdirectory("uni-host-cwd-").FullName;
        try
        {
            var adminKey = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            await using var host = await HostProcess.StartInAsync(elsewhere, "--Store:Provider=InMemory", "--Host:AdminKey=" + adminKey);
            using var admin = Client(host);
            admin.DefaultRequestHeaders.Add("X-Admin-Key", adminKey);
            var wechat = await (await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "Query WeChat", platform = "wechat" })).Content.ReadFromJsonAsync<JsonObject>();
            var alipay = await (await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "Query Alipay", platform = "alipay" })).Content.ReadFromJsonAsync<JsonObject>();
            var (wechatId, wechatSecret) = ((string)wechat!["id"]!, (string)wechat["secret"]!);
            var (alipayId, alipaySecret) = ((string)alipay!["id"]!, (string)alipay["secret"]!);
            var marker = "probe" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
            using var server = Client(host);

            // WeChat's own design: the secret in the query string of a GET, accepted and never written to a log.
            var wechatResponse = await server.GetAsync(
                $"/api/v1/exchange/wechat/sns/jscode2session?appid={wechatId}&secret={Uri.EscapeDataString(wechatSecret)}&js_code=x&grant_type=authorization_code");
            var alipayResponse = await server.PostAsync(
                $"/api/v1/exchange/alipay/oauth-token?app_id={alipayId}&app_secret={alipaySecret}&grant_type=authorization_code&code=x", null);
            var health = await server.GetAsync($"/healthz?secret={marker}");
            var missing = await server.GetAsync($"/no-such-page?secret={marker}");
            await Task.Delay(500);

            Assert.Equal(HttpStatusCode.OK, wechatResponse.StatusCode);
            var wechatError = await wechatResponse.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal(40029, (int)wechatError!["errcode"]!);
            Assert.Equal(HttpStatusCode.BadRequest, alipayResponse.StatusCode);
            var alipayError = (await alipayResponse.Content.ReadFromJsonAsync<JsonObject>())!["error_response"]!;
            Assert.Equal("40002", (string)alipayError["code"]!);
            Assert.Equal("isv.invalid-parameter", (string)alipayError["sub_code"]!);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Contains("Uni.Authorize host on", host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(wechatSecret, host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(alipaySecret, host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(marker, host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("secret=", host.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task Host_RestartOnSqlite_KeepsSessionsDecisionsAndPseudonyms()
    {
        var data = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            await RestartScenarioAsync(["--Store:DataDirectory=" + data], data);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Host_RestartOnPostgreSql_KeepsSessionsDecisionsAndPseudonyms()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var data = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            await RestartScenarioAsync(["--Store:Provider=PostgreSql", "--Store:ConnectionString=" + database.ConnectionString, "--Store:DataDirectory=" + data, "--Host:Demo=true"], data);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task RestartScenarioAsync(string[] settings, string data)
    {
        string token, openId, secret;
        await using (var host = await HostProcess.StartAsync(settings))
        {
            using var admin = Client(host);
            admin.DefaultRequestHeaders.Add("X-Admin-Key", (await File.ReadAllTextAsync(Path.Combine(data, "admin.key"))).Trim());
            secret = (string)JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(data, "demo-apps.json")))!["demo-wechat"]!;
            var user = await (await admin.PostAsJsonAsync("/admin/v1/users", new { name = "demo" })).Content.ReadFromJsonAsync<JsonObject>();
            var session = await (await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = "demo-wechat", userId = (string)user!["id"]! })).Content.ReadFromJsonAsync<JsonObject>();
            token = (string)session!["token"]!;
            openId = await ExchangeLoginAsync(host, token, secret);

            using var browser = Client(host, cookies: true);
            await SignInAsync(browser, "demo");
            var change = await browser.PutAsJsonAsync("/api/v1/user/apps/demo-wechat/settings", new { scope = "scope.userLocationBackground", state = "granted" });
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        }

        await using (var host = await HostProcess.StartAsync(settings))
        {
            using var app = Client(host);
            app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var settingsAfter = await app.GetFromJsonAsync<JsonObject>("/api/v1/settings");

            Assert.True((bool)settingsAfter!["authSetting"]!["scope.userLocationBackground"]!);
            Assert.Equal(openId, await ExchangeLoginAsync(host, token, secret));
        }
    }

    private static async Task<string> ExchangeLoginAsync(HostProcess host, string token, string secret)
    {
        using var app = Client(host);
        app.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var code = (string)(await (await app.PostAsync("/api/v1/login", null)).Content.ReadFromJsonAsync<JsonObject>())!["code"]!;
        using var server = Client(host);
        var response = await server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = "demo-wechat", ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["openid"]!;
    }

    private static async Task SignInAsync(HttpClient browser, string name)
    {
        await TestHost.RefreshAntiforgeryAsync(browser);
        (await browser.PostAsJsonAsync("/api/v1/user/sign-in", new { name })).EnsureSuccessStatusCode();
        await TestHost.RefreshAntiforgeryAsync(browser);
    }

    private static HttpClient Client(HostProcess host, bool cookies = false) =>
        new(new SocketsHttpHandler { UseCookies = cookies, CookieContainer = new CookieContainer() }) { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
}
