using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The real host in process (in-memory stores) with helpers that act as the admin, a mini-app and a user.</summary>
internal sealed class TestHost : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>A request header that stands for the TCP peer's address (the test server has no connections): the
    /// connection's address as Kestrel would set it, before any middleware of the host runs.</summary>
    public const string PeerHeader = "X-Test-Peer";
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;
    private readonly IPAddress? _peer;

    /// <summary>The host with <paramref name="settings"/> over the defaults (in-memory store, the demo on so that
    /// <see cref="UserAsync"/> signs in by name); requests come from <paramref name="peer"/> (default 127.0.0.1, as a
    /// browser on this machine; <see langword="null"/>: no address, as on a Unix socket) unless they carry <see cref="PeerHeader"/>.</summary>
    public TestHost(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? peer = "127.0.0.1")
    {
        _peer = peer is null ? null : IPAddress.Parse(peer);
        _settings = new Dictionary<string, string?>
        {
            ["Store:Provider"] = "InMemory",
            ["Host:AdminKey"] = AdminKey,
            ["Host:Demo"] = "true",
            ["Authorize:PromptTimeout"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }

        _services = services;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new PeerAddress(_peer)));
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>Sets the connection's address first, as the server does, so that the host's own middleware (forwarded
    /// headers) sees a connection like Kestrel's.</summary>
    private sealed class PeerAddress(IPAddress? peer) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = context.Request.Headers.TryGetValue(PeerHeader, out var value)
                    ? IPAddress.Parse(value.ToString())
                    : peer;
                context.Request.Headers.Remove(PeerHeader);
                return following(context);
            });
            next(app);
        };
    }

    public HttpClient Admin()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return client;
    }

    public async Task<(string Id, string Secret)> CreateAppAsync(Platform platform, string? id = null)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync("/admin/v1/apps", new { id, name = "App " + platform, platform = PlatformNames.Of(platform) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await Json(response);
        return ((string)json["id"]!, (string)json["secret"]!);
    }

    public async Task<string> CreateUserAsync(string name)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync("/admin/v1/users", new { name });
        response.EnsureSuccessStatusCode();
        return (string)(await Json(response))["id"]!;
    }

    public async Task<HttpClient> MiniAppAsync(string appId, string userId)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId, userId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var client = CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)(await Json(response))["token"]!);
        return client;
    }

    /// <summary>A browser-like client signed in as <paramref name="name"/>, with the antiforgery header set.</summary>
    public async Task<HttpClient> UserAsync(string name)
    {
        var client = CreateClient();
        await RefreshAntiforgeryAsync(client);
        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name });
        response.EnsureSuccessStatusCode();
        await RefreshAntiforgeryAsync(client);
        return client;
    }

    /// <summary>A WeChat app, the user alice, her mini-app session of the app and her signed-in client.</summary>
    public async Task<(string AppId, string UserId, HttpClient App, HttpClient User)> AliceInAWeChatAppAsync()
    {
        var (appId, _) = await CreateAppAsync(Platform.WeChat);
        var userId = await CreateUserAsync("alice");
        return (appId, userId, await MiniAppAsync(appId, userId), await UserAsync("alice"));
    }

    public static async Task RefreshAntiforgeryAsync(HttpClient client)
    {
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        var token = await client.GetFromJsonAsync<JsonObject>("/api/v1/user/antiforgery");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", (string)token!["token"]!);
    }

    /// <summary>Waits for the one consent pending for the user and returns its id.</summary>
    public static async Task<JsonObject> PendingConsentAsync(HttpClient user)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var list = await user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents?wait=5");
            if (list!["consents"]!.AsArray() is { Count: > 0 } consents)
            {
                return consents[0]!.AsObject();
            }
        }

        throw new TimeoutException("No consent arrived.");
    }

    public static async Task AnswerAsync(HttpClient user, string consentId, string answer)
    {
        var response = await user.PostAsJsonAsync($"/api/v1/user/consents/{consentId}/answer", new { answer });
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    public static async Task<JsonObject> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static Task<HttpResponseMessage> PostJson(HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body);

    public static StringContent RawJson(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}

/// <summary>Keeps every log line written, for "never in the logs" checks.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {structured} {exception}");
        }
    }
}
