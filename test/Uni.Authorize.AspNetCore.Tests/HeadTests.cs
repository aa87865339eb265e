using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>HEAD answers wherever GET does, on the real host (Kestrel), with the same status and headers and no body.</summary>
public sealed partial class HeadTests : IAsyncLifetime
{
    private static readonly string[] ComparedHeaders = ["Content-Type", "ETag", "Cache-Control", "Content-Security-Policy", "X-Frame-Options"];
    private static readonly string[] Pages = ["/", "/consent", "/settings", "/settings?app=demo", "/assets/host.js", "/assets/host.css",
        "/assets/icon.svg", "/assets/demo.js", "/assets/settings.js", "/assets/consent.js", "/my-data", "/console", "/assets/my-data.js", "/assets/console.js",
        "/assets/no-such-asset.js", "/openapi/v1.json"];

    private readonly string _adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly CookieContainer _cookies = new();
    private HostProcess _host = null!;
    private HttpClient _browser = null!;
    private string _appId = null!;
    private string _sessionToken = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await HostProcess.StartAsync("--Store:Provider=InMemory", "--Host:AdminKey=" + _adminKey, "--Host:Demo=true");
        using var admin = new HttpClient { BaseAddress = _host.Address };
        admin.DefaultRequestHeaders.Add("X-Admin-Key", _adminKey);
        _appId = (string)(await (await admin.PostAsJsonAsync("/admin/v1/apps", new { name = "Head App", platform = "wechat" })).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        _browser = new HttpClient(new SocketsHttpHandler { CookieContainer = _cookies }) { BaseAddress = _host.Address };
        await TestHost.RefreshAntiforgeryAsync(_browser);
        var user = await (await _browser.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "head-user" })).Content.ReadFromJsonAsync<JsonObject>();
        var session = await (await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = _appId, userId = (string)user!["id"]! })).Content.ReadFromJsonAsync<JsonObject>();
        _sessionToken = (string)session!["token"]!;
    }

    public async ValueTask DisposeAsync()
    {
        _browser?.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Head_EveryGetEndpointPageAndAsset_SameStatusAndHeadersWithoutABody()
    {
        var document = await _browser.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var paths = document!["paths"]!.AsObject();
        var documented = paths.Where(p => p.Value!.AsObject().ContainsKey("get")).Select(p => Fill(p.Key)).ToList();
        Assert.Contains("/bridge/uni-bridge.js", documented);
        Assert.DoesNotContain(paths, p => p.Value!.AsObject().ContainsKey("head"));
        var failures = new List<string>();
        var answered = new HashSet<string>();

        // The probes are left out of the document; they answer HEAD too.
        foreach (var path in documented.Concat(Pages).Concat(["/healthz", "/readyz"]))
        {
            // Each path as a stranger and with every credential the host knows (admin key, mini-app session, user cookie).
            foreach (var credentials in new[] { false, true })
            {
                var get = await GetAsync(path, credentials);
                var head = await RawAsync("HEAD", path, credentials);
                var who = credentials ? "with credentials" : "anonymous";
                if (credentials && get.StatusCode == HttpStatusCode.OK)
                {
                    answered.Add(path);
                }

                if (head.Status != (int)get.StatusCode)
                {
                    failures.Add($"HEAD {path} {who}: {head.Status}, GET: {(int)get.StatusCode}");
                    continue;
                }

                if (head.Body.Length != 0)
                {
                    failures.Add($"HEAD {path} {who}: {head.Body.Length} body bytes");
                }

                foreach (var name in ComparedHeaders)
                {
                    var expected = get.Headers.TryGetValues(name, out var values) || get.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
                    head.Headers.TryGetValue(name, out var actual);
                    if (name == "Content-Type" && actual is not null)
                    {
                        actual = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(actual).ToString(); // as HttpClient writes it
                    }

                    if (expected != actual)
                    {
                        failures.Add($"HEAD {path} {who}: {name} '{actual}', GET: '{expected}'");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The credentials reached each kind of endpoint: the comparison covered real answers, not only refusals.
        Assert.Superset(new HashSet<string> { "/api/v1/session", "/api/v1/settings", "/api/v1/user/me", $"/api/v1/user/apps/{_appId}/settings", "/admin/v1/apps", "/api/v1/privacy", "/" }, answered);
    }

    [Fact]
    public async Task Head_AssetWithItsETag_Answers304LikeGet()
    {
        var get = await GetAsync("/assets/host.js", credentials: false);
        var etag = get.Headers.ETag!.Tag;

        var head = await RawAsync("HEAD", "/assets/host.js", credentials: false, $"If-None-Match: {etag}\r\n");

        Assert.Equal(304, head.Status);
        Assert.Equal(etag, head.Headers["ETag"]);
        Assert.Empty(head.Body);
    }

    [Fact]
    public async Task Head_PostOnlyEndpoint_StaysMethodNotAllowed()
    {
        var head = await RawAsync("HEAD", "/api/v1/authorize", credentials: true);

        Assert.Equal(405, head.Status);
    }

    private string Fill(string template) => RouteParameter().Replace(template, m => m.Value switch
    {
        "{platform}" => "wechat",
        "{appId}" => _appId,
        _ => "unknown",
    });

    private async Task<HttpResponseMessage> GetAsync(string path, bool credentials)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (credentials)
        {
            request.Headers.Add("X-Admin-Key", _adminKey);
            request.Headers.Add("Authorization", "Bearer " + _sessionToken);
            request.Headers.Add("Cookie", Cookies());
        }

        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = _host.Address, Timeout = TimeSpan.FromSeconds(30) };
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>One request on its own connection, read to the end: whatever follows the headers is the body Kestrel sent.</summary>
    private async Task<(int Status, Dictionary<string, string> Headers, byte[] Body)> RawAsync(string method, string path, bool credentials, string extra = "")
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_host.Address.Host, _host.Address.Port);
        var stream = tcp.GetStream();
        var request = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: {_host.Address.Authority}\r\nConnection: close\r\n{extra}");
        if (credentials)
        {
            request.Append($"X-Admin-Key: {_adminKey}\r\nAuthorization: Bearer {_sessionToken}\r\nCookie: {Cookies()}\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()));
        using var received = new MemoryStream();
        await stream.CopyToAsync(received).WaitAsync(TimeSpan.FromSeconds(30));
        var bytes = received.ToArray();
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, $"{method} {path}: no complete header block in {bytes.Length} bytes.");
        var lines = Encoding.ASCII.GetString(bytes, 0, end).Split("\r\n");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
        }

        return (int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers, bytes[(end + 4)..]);
    }

    private string Cookies() => _cookies.GetCookieHeader(_host.Address);

    [GeneratedRegex("\\{[^}]+\\}")]
    private static partial Regex RouteParameter();
}
