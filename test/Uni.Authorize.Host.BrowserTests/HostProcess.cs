using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

[assembly: AssemblyFixture(typeof(Uni.Authorize.Host.BrowserTests.HostProcess))]

// One Chromium at a time: the machine has two cores and each browser wants both.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>
/// The real host, started once for the test run as its own process (<c>dotnet Uni.Authorize.Host.dll</c>) on a free
/// loopback port with its own temporary data folder (SQLite), and the admin and mini-app calls the tests make over HTTP.
/// </summary>
public sealed class HostProcess : IAsyncLifetime
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly string _adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly StringBuilder _output = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("uni-authorize-browser-").FullName;
    private readonly IReadOnlyList<string> _settings;
    private readonly int? _port;
    private Process? _process;

    /// <summary>The host with the demo's sign-in.</summary>
    public HostProcess()
        : this([])
    {
    }

    /// <summary>The host with extra <paramref name="settings"/> (<c>--Key value</c> pairs), on <paramref name="port"/> when given.</summary>
    internal HostProcess(IReadOnlyList<string> settings, int? port = null)
    {
        _settings = settings;
        _port = port;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The operator's key, for the console's sign-in.</summary>
    public string AdminKey => _adminKey;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>What the host printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        var hostDll = typeof(HostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "HostAssemblyPath").Value!;
        Assert.True(File.Exists(hostDll), $"The host was not built: {hostDll} is missing.");

        // A port taken between probing and binding makes the host exit at once: try another.
        for (var attempt = 1; ; attempt++)
        {
            var port = _port ?? FreePort();
            BaseAddress = new Uri($"http://127.0.0.1:{port}");
            _process = Start(hostDll, port);
            if (await WaitUntilHealthyAsync())
            {
                break;
            }

            Stop();
            Assert.True(attempt < 3 && _port is null, "The host did not start:\n" + Output);
        }

        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(40) };
    }

    public ValueTask DisposeAsync()
    {
        Http?.Dispose();
        Stop();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A new app registered through the admin API.</summary>
    public async Task<(string Id, string Name)> CreateAppAsync(string platform, string name)
    {
        using var request = Admin(HttpMethod.Post, "/admin/v1/apps", new { name, platform });
        using var response = await Http.SendAsync(request);
        var json = await JsonAsync(response, HttpStatusCode.Created);
        return ((string)json["id"]!, name);
    }

    /// <summary>What the code exchange answers for a WeChat app's code and secret: its <c>errcode</c> (0 is a session).</summary>
    public async Task<int> ExchangeAsync(string appId, string secret, string code)
    {
        using var response = await Http.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = secret, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }));
        return (int)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errcode"]!;
    }

    /// <summary>The user's data export, as the operator reads it.</summary>
    public async Task<JsonObject> ExportAsync(string userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/admin/v1/users/{Uri.EscapeDataString(userId)}/data");
        request.Headers.Add("X-Admin-Key", _adminKey);
        using var response = await Http.SendAsync(request);
        return await JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>Registers the app's manifest (its app.json declarations) through the admin API.</summary>
    public async Task PutManifestAsync(string appId, object appJson)
    {
        using var request = Admin(HttpMethod.Put, $"/admin/v1/apps/{appId}/manifest", appJson);
        using var response = await Http.SendAsync(request);
        await JsonAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The user with this sign-in name (the browser signs in with the same name).</summary>
    public async Task<string> CreateUserAsync(string name)
    {
        using var request = Admin(HttpMethod.Post, "/admin/v1/users", new { name });
        using var response = await Http.SendAsync(request);
        return (string)(await JsonAsync(response, HttpStatusCode.OK))["id"]!;
    }

    /// <summary>A mini-app session of <paramref name="appId"/> for <paramref name="userId"/>.</summary>
    public async Task<MiniApp> MiniAppAsync(string appId, string userId)
    {
        using var request = Admin(HttpMethod.Post, "/admin/v1/sessions", new { appId, userId });
        using var response = await Http.SendAsync(request);
        return new MiniApp(Http, (string)(await JsonAsync(response, HttpStatusCode.Created))["token"]!);
    }

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {expected}, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private HttpRequestMessage Admin(HttpMethod method, string path, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Admin-Key", _adminKey);
        return request;
    }

    private Process Start(string hostDll, int port) =>
        ChildProcess.Start(hostDll, _dataDirectory,
            new[]
            {
                "--urls", $"http://127.0.0.1:{port}",
                "--Store:Provider", "Sqlite", "--Store:DataDirectory", _dataDirectory,
                "--Host:AdminKey", _adminKey, "--Authorize:PromptTimeout", "00:01:00",
            }.Concat(_settings),
            Record);

    private Task<bool> WaitUntilHealthyAsync() => ChildProcess.WaitUntilAnswersAsync(_process!, BaseAddress, "/healthz");

    private void Stop()
    {
        ChildProcess.Stop(_process);
        _process = null;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A mini-app acting for one user through its session token, as the bridge or a real mini-app would.</summary>
public sealed class MiniApp(HttpClient http, string token)
{
    /// <summary>Starts authorize without waiting: 200 with the answer, or 202 with a pending call.</summary>
    public async Task<(HttpStatusCode Status, JsonObject Body)> StartAuthorizeAsync(params string[] scopes)
    {
        object body = scopes.Length == 1 ? new { scope = scopes[0] } : new { scopes };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/authorize?wait=0") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var json = await HostProcess.JsonAsync(response, response.StatusCode == HttpStatusCode.Accepted ? HttpStatusCode.Accepted : HttpStatusCode.OK);
        return (response.StatusCode, json);
    }

    /// <summary>Waits for a pending call's answer (long polling), failing after <see cref="HostProcess.Patience"/>.</summary>
    public async Task<JsonObject> WaitAsync(JsonObject pending)
    {
        var deadline = DateTime.UtcNow + HostProcess.Patience;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, (string)pending["pollUrl"]! + "?wait=5");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await HostProcess.JsonAsync(response, HttpStatusCode.OK);
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "The pending call was not answered in time.");
        }
    }

    /// <summary>A login code for the code exchange.</summary>
    public async Task<string> LoginAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/login");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (string)(await HostProcess.JsonAsync(response, HttpStatusCode.OK))["code"]!;
    }

    /// <summary>The status of the session's next call.</summary>
    public async Task<HttpStatusCode> SessionStatusAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Calls the API gate for <paramref name="api"/> without waiting: 200 with the answer, or 202 with a pending call.</summary>
    public async Task<(HttpStatusCode Status, JsonObject Body)> StartApiAsync(string api)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/apis/{api}/authorize?wait=0");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var json = await HostProcess.JsonAsync(response, response.StatusCode == HttpStatusCode.Accepted ? HttpStatusCode.Accepted : HttpStatusCode.OK);
        return (response.StatusCode, json);
    }

    public async Task<JsonObject> GetSettingAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/settings");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return await HostProcess.JsonAsync(response, HttpStatusCode.OK);
    }
}
