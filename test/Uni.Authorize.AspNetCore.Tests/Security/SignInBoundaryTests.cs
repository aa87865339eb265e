using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// Boundary: a bare name signs a person in only on the demo, and only from this machine. Attacker: anyone who reaches
/// the host through a proxy (every request arrives from the proxy's loopback address) or without an address (a Unix
/// socket), or a host the operator set up for real users.
/// </summary>
public sealed class SignInBoundaryTests
{
    private static readonly string[] ProxyHeaders =
        ["Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Prefix", "X-Real-IP", "X-Original-For"];

    public static TheoryData<string> Headers => [.. ProxyHeaders];

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task NameSignIn_LoopbackRequestCarryingAForwardingHeader_IsRefused(string header)
    {
        await using var host = new TestHost();
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, header == "Forwarded" ? "for=127.0.0.1;proto=http" : "127.0.0.1");

        var me = await Json(await client.GetAsync("/api/v1/user/me"));
        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });

        Assert.False((bool)me["nameSignIn"]!);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("name_sign_in_disabled", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task NameSignIn_SameLoopbackRequestWithoutForwardingHeaders_SignsIn()
    {
        await using var host = new TestHost();
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NameSignIn_ConnectionWithoutAnAddress_IsRefused()
    {
        await using var host = new TestHost(peer: null);
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("name_sign_in_disabled", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task NameSignIn_TrustedProxyForwardingALoopbackClient_IsStillRefused()
    {
        // The proxy is believed, so UseForwardedHeaders consumes X-Forwarded-For and the connection's address becomes
        // the client's, here a loopback one it claims: the X-Original-For it leaves marks the request as forwarded.
        await using var host = new TestHost(new() { ["Host:ForwardedHeaders:KnownProxies"] = "127.0.0.1" });
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "127.0.0.1");

        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task NameSignIn_InMemoryHostWithoutTheDemoSetting_IsOff()
    {
        await using var host = new TestHost(new() { ["Host:Demo"] = null });
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task NameSignIn_JwtOnlyHostOnSqlite_IsOffByDefaultAndSeedsNothing()
    {
        var data = Directory.CreateTempSubdirectory("uni-jwt-").FullName;
        try
        {
            await using var host = new TestHost(new()
            {
                ["Store:Provider"] = "Sqlite",
                ["Store:DataDirectory"] = data,
                ["Host:Demo"] = null,
                ["Authentication:JwtBearer:SigningKey"] = "a-test-signing-key-of-more-than-32-bytes",
                ["Authentication:JwtBearer:Audience"] = "uni-authorize-host",
            });
            using var client = host.CreateClient();
            await RefreshAntiforgeryAsync(client);

            var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.False(File.Exists(Path.Combine(data, "demo-apps.json")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_FreshSqliteHost_SignsInDemoFromThisMachineAndSaysSo()
    {
        var folder = Directory.CreateTempSubdirectory("uni-demo-").FullName;
        try
        {
            await using var host = await HostProcess.StartInAsync(folder);
            using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer() }) { BaseAddress = host.Address };
            await RefreshAntiforgeryAsync(browser);

            var response = await browser.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(File.Exists(Path.Combine(folder, "data", "demo-apps.json")), host.Output);
            Assert.Contains("from this machine only and never through a proxy", host.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Demo_PostgreSqlTheOperatorNamed_NoNameSignInAndNothingSeeded()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var data = Directory.CreateTempSubdirectory("uni-pg-").FullName;
        try
        {
            await using var host = await HostProcess.StartAsync(
                "--Store:Provider=PostgreSql", "--Store:ConnectionString=" + database.ConnectionString, "--Store:DataDirectory=" + data,
                "--Host:AdminKey=" + AdminKey);
            using var browser = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer() }) { BaseAddress = host.Address };
            using var admin = new HttpClient { BaseAddress = host.Address };
            admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
            await RefreshAntiforgeryAsync(browser);

            var signIn = await browser.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "demo" });
            var apps = await admin.GetFromJsonAsync<JsonObject>("/admin/v1/apps");

            Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
            Assert.Empty(apps!["apps"]!.AsArray());
            Assert.False(File.Exists(Path.Combine(data, "demo-apps.json")));
            Assert.Contains("demo           off", host.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
