using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>Host processes on one PostgreSQL database, each with a data folder of its own (nothing shared on disk), and
/// nginx in front of them. Clients talk to one instance (by index) or through nginx.</summary>
internal sealed class HostCluster : IAsyncDisposable
{
    public const string AdminKey = "cluster-admin-key-0123456789";
    private readonly List<string> _folders = [];
    private readonly List<HttpClient> _clients = [];
    private PostgresDatabase? _database;

    public List<HostProcess> Hosts { get; } = [];

    public Nginx? Balancer { get; private set; }

    public string ConnectionString => _database!.ConnectionString;

    public static async Task<HostCluster> StartAsync(int instances, bool withNginx = true)
    {
        var cluster = new HostCluster();
        try
        {
            cluster._database = await PostgresDatabase.CreateAsync();
            for (var i = 0; i < instances; i++)
            {
                cluster.Hosts.Add(await cluster.StartHostAsync());
            }

            if (withNginx)
            {
                cluster.Balancer = await Nginx.StartAsync(cluster.Hosts.Select(h => h.Address));
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<HostProcess> StartHostAsync()
    {
        var folder = Directory.CreateTempSubdirectory("uni-cluster-").FullName;
        _folders.Add(folder);
        return await HostProcess.StartAsync(
            "--Store:Provider=PostgreSql", "--Store:ConnectionString=" + _database!.ConnectionString, "--Store:DataDirectory=" + folder,
            "--Host:AdminKey=" + AdminKey, "--Authorize:PromptTimeout=00:01:00",
            // As docs/deploy.md: nginx on this machine is the one proxy believed. Name sign-in stays on for the tests'
            // users at an instance directly; through nginx it is refused.
            "--Host:ForwardedHeaders:KnownProxies=127.0.0.1", "--Host:NameSignIn=LoopbackOnly");
    }

    /// <summary>A client of instance <paramref name="index"/> (or of nginx when <see langword="null"/>), sharing
    /// <paramref name="cookies"/> when given, as one browser would across instances of one site.</summary>
    public HttpClient Client(int? index, CookieContainer? cookies = null, string? bearer = null, bool admin = false)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() })
        {
            BaseAddress = index is { } i ? Hosts[i].Address : Balancer!.Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (admin)
        {
            client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>Registers an app and a user through <paramref name="index"/> and issues a session; returns the app id,
    /// its secret, the user id and the session token.</summary>
    public async Task<(string AppId, string Secret, string UserId, string Token)> NewAppSessionAsync(int? index, Platform platform, string userName)
    {
        var admin = Client(index, admin: true);
        var app = await TestHost.Json(await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "Cluster app", platform = PlatformNames.Of(platform) }));
        var user = await TestHost.Json(await admin.PostAsJsonAsync("/admin/v1/users", new { name = userName }));
        var session = await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = (string)app["id"]!, userId = (string)user["id"]! });
        Assert.Equal(HttpStatusCode.Created, session.StatusCode);
        return ((string)app["id"]!, (string)app["secret"]!, (string)user["id"]!, (string)(await TestHost.Json(session))["token"]!);
    }

    /// <summary>Signs <paramref name="name"/> in at instance <paramref name="index"/> directly (name sign-in is refused
    /// through nginx); the cookies hold the user for every instance and for nginx (cookies ignore the port, and the
    /// data-protection keys are shared).</summary>
    public async Task<CookieContainer> SignInAsync(int index, string name)
    {
        var cookies = new CookieContainer();
        var browser = Client(index, cookies);
        await TestHost.RefreshAntiforgeryAsync(browser);
        (await browser.PostAsJsonAsync("/api/v1/user/sign-in", new { name })).EnsureSuccessStatusCode();
        return cookies;
    }

    /// <summary>A browser-like client of <paramref name="index"/> with the user's cookies and a fresh antiforgery token.</summary>
    public async Task<HttpClient> BrowserAsync(int? index, CookieContainer cookies)
    {
        var browser = Client(index, cookies);
        await TestHost.RefreshAntiforgeryAsync(browser);
        return browser;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Balancer is not null)
        {
            await Balancer.DisposeAsync();
        }

        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static async Task<JsonObject> ReadAsync(HttpResponseMessage response) => await TestHost.Json(response);
}
