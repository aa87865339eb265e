using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Uni.Authorize.PostgreSql.Tests;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The runnable host as a process: probes while PostgreSQL is away, configuration mistakes, bounded
/// connections and OTLP export.</summary>
public sealed class HostOperabilityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Host_StartedWithPostgreSqlDown_IsLiveNotReadyThenReadyAndSeededWhenItIsBack()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var proxy = new TcpProxy(new NpgsqlConnectionStringBuilder(database.ConnectionString));
        var data = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            // The proxy is not started: its port refuses connections, as a database host that is down.
            await using var host = await HostProcess.StartAsync(
                "--Store:Provider=PostgreSql", "--Store:ConnectionString=" + proxy.ConnectionString, "--Store:DataDirectory=" + data, "--Host:Demo=true");
            using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };

            var live = await client.GetAsync("/healthz");
            var notReady = await client.GetAsync("/readyz");
            var notReadyBody = await notReady.Content.ReadAsStringAsync();
            proxy.Start();
            var ready = await PollAsync(async () => (await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);
            var seeded = await PollAsync(() => Task.FromResult(File.Exists(Path.Combine(data, "demo-apps.json"))));

            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Equal("unhealthy", (string)JsonNode.Parse(notReadyBody)!["checks"]!["uni-authorize-decision-store"]!["status"]!);
            Assert.DoesNotContain(proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), notReadyBody, StringComparison.Ordinal);
            Assert.DoesNotContain("Username", notReadyBody, StringComparison.OrdinalIgnoreCase);
            Assert.True(ready, "/readyz did not turn 200 after PostgreSQL came back:\n" + host.Output);
            Assert.True(seeded, "Demo seeding did not finish after PostgreSQL came back:\n" + host.Output);
            Assert.False(host.HasExited, host.Output);
            Assert.DoesNotContain("Unhandled exception", host.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("Store:Provider", "--Store:Provider=Bogus")]
    [InlineData("Store:ConnectionString", "--Store:Provider=PostgreSql")]
    [InlineData("Store:ConnectionString", "--Store:Provider=PostgreSql", "--Store:ConnectionString=Host=127.0.0.1;Port=not-a-port;Password=hunter2")]
    [InlineData("Store:MaxPoolSize", "--Store:Provider=PostgreSql", "--Store:ConnectionString=Host=127.0.0.1", "--Store:MaxPoolSize=0")]
    [InlineData("Host:SessionLifetime", "--Store:Provider=InMemory", "--Host:SessionLifetime=-1")]
    [InlineData("Host:ExchangePermitLimit", "--Store:Provider=InMemory", "--Host:ExchangePermitLimit=many")]
    [InlineData("Host:MaxWait", "--Store:Provider=InMemory", "--Host:MaxWait=soon")]
    [InlineData("Authorize:PromptTimeout", "--Store:Provider=InMemory", "--Authorize:PromptTimeout=-00:00:05")]
    [InlineData("Authorize:Platform", "--Store:Provider=InMemory", "--Authorize:Platform=Nowhere")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "--Store:Provider=InMemory", "--OTEL_EXPORTER_OTLP_ENDPOINT=not a url")]
    public async Task Host_ConfigurationMistake_PrintsOneLineNamingTheSettingAndExits2(string setting, params string[] settings)
    {
        var (exitCode, output, error) = await HostProcess.RunToExitAsync(settings);

        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, exitCode);
        var line = Assert.Single(lines);
        Assert.Contains(setting, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_TwoInstancesUnderAConnectionLimit_AnswerEveryConcurrentExchangeWithoutExhaustingIt()
    {
        const int PerHost = 100;
        const int PoolSize = 5;
        await using var database = await PostgresDatabase.CreateAsync();
        var role = "uni_limited_" + Guid.NewGuid().ToString("N")[..8];
        var server = Environment.GetEnvironmentVariable(PostgresDatabase.Variable)!;
        var databaseName = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        // Per instance: two pools (decisions and auth codes, identities) of PoolSize and one LISTEN connection.
        await ExecuteAsync(server, $"CREATE ROLE {role} LOGIN CONNECTION LIMIT {2 * ((2 * PoolSize) + 1) + 2}");
        var dataA = Directory.CreateTempSubdirectory("uni-host-").FullName;
        var dataB = Directory.CreateTempSubdirectory("uni-host-").FullName;
        try
        {
            await ExecuteAsync(server, $"ALTER DATABASE \"{databaseName}\" OWNER TO {role}");
            var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = role }.ConnectionString;
            string[] Settings(string data) =>
            [
                "--Store:Provider=PostgreSql", "--Store:ConnectionString=" + connectionString, "--Store:DataDirectory=" + data,
                "--Store:MaxPoolSize=" + PoolSize, "--Host:AdminKey=" + TestHost.AdminKey, "--Host:ExchangePermitLimit=100000",
            ];

            await using var hostA = await HostProcess.StartAsync(Settings(dataA));
            await using var hostB = await HostProcess.StartAsync(Settings(dataB));
            using var admin = new HttpClient { BaseAddress = hostA.Address, Timeout = Patience };
            admin.DefaultRequestHeaders.Add("X-Admin-Key", TestHost.AdminKey);
            var app = await (await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "Load", platform = "wechat" })).Content.ReadFromJsonAsync<JsonObject>();
            var (appId, secret) = ((string)app!["id"]!, (string)app["secret"]!);
            var user = await (await admin.PostAsJsonAsync("/admin/v1/users", new { name = "load-user" })).Content.ReadFromJsonAsync<JsonObject>();
            var session = await (await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId, userId = (string)user!["id"]! })).Content.ReadFromJsonAsync<JsonObject>();

            using var miniApp = new HttpClient { BaseAddress = hostB.Address, Timeout = Patience };
            miniApp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)session!["token"]!);
            var codes = new ConcurrentBag<string>();
            await Parallel.ForAsync(0, 2 * PerHost, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            {
                var login = await miniApp.PostAsync("/api/v1/login", null, ct);
                login.EnsureSuccessStatusCode();
                codes.Add((string)(await login.Content.ReadFromJsonAsync<JsonObject>(ct))!["code"]!);
            });

            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1000 };
            using var servers = new HttpClient(handler) { Timeout = Patience };
            var hosts = new[] { hostA.Address, hostB.Address };
            var answers = await Task.WhenAll(codes.Select((code, i) => ExchangeAsync(servers, hosts[i % 2], appId, secret, code)));

            var failures = answers.Where(a => a.Status != HttpStatusCode.OK).Select(a => $"{(int)a.Status} {a.Body}").ToList();
            Assert.Equal(2 * PerHost, answers.Length);
            Assert.True(failures.Count == 0, $"{failures.Count} exchanges failed, e.g. {string.Join("\n", failures.Take(3))}\n{hostA.Output}");
            Assert.DoesNotContain("53300", hostA.Output + hostB.Output, StringComparison.Ordinal);
            Assert.Equal(2 * PerHost, answers.Select(a => (string)JsonNode.Parse(a.Body)!["openid"]!).Count(id => id.Length > 0));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await database.DisposeAsync();
            await ExecuteAsync(server, $"DROP ROLE IF EXISTS {role}");
            Directory.Delete(dataA, recursive: true);
            Directory.Delete(dataB, recursive: true);
        }
    }

    [Fact]
    public async Task Host_WithOtlpEndpoint_ExportsTheAuthorizeSpanAndTheMeter()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Address,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        await using var host = await HostProcess.StartAsync(environment, "--Store:Provider=InMemory", "--Host:AdminKey=" + TestHost.AdminKey, "--Host:Demo=true");
        using var admin = new HttpClient { BaseAddress = host.Address, Timeout = Patience };
        admin.DefaultRequestHeaders.Add("X-Admin-Key", TestHost.AdminKey);
        var app = await (await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "Traced", platform = "wechat" })).Content.ReadFromJsonAsync<JsonObject>();
        var user = await (await admin.PostAsJsonAsync("/admin/v1/users", new { name = "traced-user" })).Content.ReadFromJsonAsync<JsonObject>();
        var session = await (await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = (string)app!["id"]!, userId = (string)user!["id"]! })).Content.ReadFromJsonAsync<JsonObject>();
        using var miniApp = new HttpClient { BaseAddress = host.Address, Timeout = Patience };
        miniApp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)session!["token"]!);
        using var browser = new HttpClient(new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = host.Address, Timeout = Patience };

        // A settings-only scope: authorize answers at once (the span), then the user grants it in settings (the grants counter).
        var authorize = await miniApp.PostAsJsonAsync("/api/v1/authorize", new { scope = "scope.userLocationBackground" });
        await TestHost.RefreshAntiforgeryAsync(browser);
        (await browser.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "traced-user" })).EnsureSuccessStatusCode();
        await TestHost.RefreshAntiforgeryAsync(browser);
        var grant = await browser.PutAsJsonAsync($"/api/v1/user/apps/{(string)app["id"]!}/settings", new { scope = "scope.userLocationBackground", state = "granted" });

        var exported = await PollAsync(() => Task.FromResult(
            receiver.Received("/v1/traces", SpanName("authorize")) && receiver.Received("/v1/metrics", Encoding.UTF8.GetBytes("uni.authorize.grants"))));

        Assert.Equal(HttpStatusCode.OK, authorize.StatusCode);
        Assert.Equal(HttpStatusCode.OK, grant.StatusCode);
        Assert.True(exported, $"The receiver did not get the authorize span and the grants counter; it got {receiver.Summary}.\n{host.Output}");
        Assert.True(receiver.Received("/v1/traces", Encoding.UTF8.GetBytes(UniAuthorizeTelemetry.ActivitySourceName)));
        Assert.True(receiver.Received("/v1/metrics", Encoding.UTF8.GetBytes(UniAuthorizeTelemetry.MeterName)));
        Assert.True(receiver.Received("/v1/metrics", Encoding.UTF8.GetBytes("http.server.request.duration")), "ASP.NET Core's meter is exported too.");
    }

    // Span.name is field 5 (length-delimited: tag 0x2A) of an OTLP span; a short name has a one-byte length.
    private static byte[] SpanName(string name) => [0x2A, (byte)name.Length, .. Encoding.UTF8.GetBytes(name)];

    private static async Task<(HttpStatusCode Status, string Body)> ExchangeAsync(HttpClient client, Uri host, string appId, string secret, string code)
    {
        using var response = await client.PostAsync(new Uri(host, "/api/v1/exchange/wechat/jscode2session"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<bool> PollAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        return false;
    }

    /// <summary>An OTLP/HTTP receiver on a loopback port: keeps every protobuf body posted to <c>/v1/traces</c> and <c>/v1/metrics</c>.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _bodies = new();

        private OtlpReceiver(WebApplication app) => _app = app;

        public string Address => _app.Urls.First();

        public string Summary => string.Join(", ", _bodies.GroupBy(b => b.Path).Select(g => $"{g.Count()} × {g.Key}"));

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            app.MapPost("/v1/{signal}", async (HttpContext context, string signal) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                receiver._bodies.Enqueue(("/v1/" + signal, body.ToArray()));
                // An empty Export*ServiceResponse: full success.
                return Results.Bytes([], "application/x-protobuf");
            });
            await app.StartAsync();
            return receiver;
        }

        public bool Received(string path, byte[] bytes) => _bodies.Any(b => b.Path == path && b.Body.AsSpan().IndexOf(bytes) >= 0);

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
