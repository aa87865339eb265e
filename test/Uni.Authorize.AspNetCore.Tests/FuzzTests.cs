using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>Malformed requests at a really running host process: never a 5xx, never a crash, normal service afterwards.</summary>
public sealed partial class FuzzTests
{
    private const int Requests = 10_000;
    private const int Seed = 20261124;

    private static readonly string[] Paths =
    [
        "/api/v1/authorize", "/api/v1/apis/getLocation/authorize", "/api/v1/calls/abc", "/api/v1/calls/abc/events", "/api/v1/settings",
        "/api/v1/settings/open", "/api/v1/login", "/api/v1/session", "/api/v1/scopes", "/api/v1/scopes/wechat",
        "/api/v1/user/antiforgery", "/api/v1/user/sign-in", "/api/v1/user/sign-out", "/api/v1/user/me", "/api/v1/user/consents",
        "/api/v1/user/consents/x/answer", "/api/v1/user/apps", "/api/v1/user/apps/fuzz-app/settings", "/api/v1/user/apps/fuzz-app/launch",
        "/admin/v1/apps", "/admin/v1/users", "/admin/v1/sessions", "/admin/v1/sessions/revoke",
        "/api/v1/exchange/wechat/jscode2session", "/api/v1/exchange/alipay/oauth-token", "/api/v1/exchange/alipay/zhima.credit.score.brief.get",
        "/api/v1/exchange/bytedance/api/apps/v2/jscode2session", "/api/v1/exchange/baidu/oauth/jscode2sessionkey",
        "/api/v1/exchange/kuaishou/oauth2/mp/code2session", "/healthz", "/openapi/v1.json", "/nope",
    ];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-16", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x",
        "application/json; charset=utf-8", "", "\u00ff/\u00fe", "application/problem+json", "application/octet-stream",
    ];

    private static readonly string[] Fields = ["scope", "scopes", "api", "name", "answer", "state", "id", "platform", "appId", "userId", "lifetimeSeconds", "token", "extra"];

    [Fact]
    public async Task Host_TenThousandMalformedRequests_NeverAnswers5xxNorCrashesAndServesNormallyAfterwards()
    {
        const string AdminKey = "fuzz-admin-key-0123456789";
        await using var host = await HostProcess.StartAsync("--Store:Provider=InMemory", "--Host:AdminKey=" + AdminKey,
            "--Authorize:PromptTimeout=00:00:03", "--Host:ExchangePermitLimit=100000");
        using var admin = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        var app = await (await admin.PostAsJsonAsync("/admin/v1/apps", new { id = "fuzz-app", name = "Fuzz", platform = "alipay" })).Content.ReadFromJsonAsync<JsonObject>();
        var user = await (await admin.PostAsJsonAsync("/admin/v1/users", new { name = "fuzzer" })).Content.ReadFromJsonAsync<JsonObject>();
        var session = await (await admin.PostAsJsonAsync("/admin/v1/sessions", new { appId = "fuzz-app", userId = (string)user!["id"]! })).Content.ReadFromJsonAsync<JsonObject>();
        var token = (string)session!["token"]!;

        using var handler = new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer(), PooledConnectionLifetime = TimeSpan.FromSeconds(5) };
        using var client = new HttpClient(handler) { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        var antiforgery = (string)(await client.GetFromJsonAsync<JsonObject>("/api/v1/user/antiforgery"))!["token"]!;

        var serverErrors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var sent = 0;
        var answered = new int[6];
        var random = new Random(Seed);
        var seeds = Enumerable.Range(0, Requests).Select(_ => random.Next()).ToArray();
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = TestContext.Current.CancellationToken }, async (seed, ct) =>
        {
            var rng = new Random(seed);
            var (description, status) = rng.Next(10) < 7
                ? await SendHttpAsync(client, rng, token, AdminKey, antiforgery, ct)
                : await SendRawAsync(host.Address, rng, token, ct);
            Interlocked.Increment(ref sent);
            Interlocked.Increment(ref answered[Math.Clamp(status / 100, 0, 5)]);
            if (status >= 500)
            {
                serverErrors.Add($"{status} for {description}");
            }
        });

        Assert.Equal(Requests, sent);
        // The run reached the endpoints: most requests got a real answer, refusals and some successes among them.
        Assert.True(answered[4] > Requests / 2 && answered[2] > 100, $"answers by class: {string.Join(", ", answered)}");
        Assert.False(host.HasExited, "The host crashed:\n" + host.Output);
        Assert.True(serverErrors.IsEmpty, $"{serverErrors.Count} answers were 5xx, e.g. " + string.Join("\n", serverErrors.Take(5)));

        using var after = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal(HttpStatusCode.OK, (await after.GetAsync("/healthz")).StatusCode);
        after.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var normal = await after.PostAsJsonAsync("/api/v1/authorize", new { scopes = new[] { "auth_base" } });
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.Equal("ok", (string)(await normal.Content.ReadFromJsonAsync<JsonObject>())!["status"]!);
        Assert.DoesNotContain("Unhandled error", host.Output, StringComparison.Ordinal);
    }

    private static async Task<(string Description, int Status)> SendHttpAsync(HttpClient client, Random rng, string token, string adminKey, string antiforgery, CancellationToken cancellationToken)
    {
        var method = Methods[rng.Next(Methods.Length)];
        var path = Paths[rng.Next(Paths.Length)] + Query(rng);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var credentials = rng.Next(4);
        if (credentials == 1)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }
        else if (credentials == 2)
        {
            request.Headers.TryAddWithoutValidation("X-Admin-Key", adminKey);
        }
        else if (credentials == 3)
        {
            request.Headers.TryAddWithoutValidation("X-CSRF-TOKEN", rng.Next(2) == 0 ? antiforgery : Garbage(rng, 40));
        }

        if (rng.Next(5) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-" + Ascii(rng, 8), Ascii(rng, rng.Next(1, 4000)));
        }

        if (method is not "GET" and not "HEAD" and not "OPTIONS" || rng.Next(6) == 0)
        {
            var body = Body(rng);
            var content = new ByteArrayContent(body);
            var contentType = ContentTypes[rng.Next(ContentTypes.Length)];
            if (contentType.Length > 0)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            request.Content = content;
        }

        var description = $"{method} {path}";
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return (description, (int)response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The server may refuse a request outright (a bad header); that is not a 5xx.
            return (description, 0);
        }
    }

    private static async Task<(string Description, int Status)> SendRawAsync(Uri address, Random rng, string token, CancellationToken cancellationToken)
    {
        byte[] request;
        var kind = rng.Next(5);
        var path = Paths[rng.Next(Paths.Length)];
        switch (kind)
        {
            case 0:
                request = new byte[rng.Next(1, 2000)];
                rng.NextBytes(request);
                break;
            case 1:
                // Bad UTF-8 and control bytes in the request line and headers.
                request = [.. Encoding.ASCII.GetBytes("POST " + path + "?q="), 0xC3, 0x28, 0xFF, .. Encoding.ASCII.GetBytes(" HTTP/1.1\r\nHost: x\r\nX-Bad: "), 0xFE, 0x01, 0x80,
                    .. Encoding.ASCII.GetBytes("\r\nContent-Length: 0\r\n\r\n")];
                break;
            case 2:
                // Content-Length larger than the body sent, then the connection closes.
                request = Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{\"scope\":");
                break;
            case 3:
                // An absurdly large header.
                request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\nX-Huge: {new string('a', rng.Next(10_000, 100_000))}\r\n\r\n");
                break;
            default:
                // Chunked body with broken chunk sizes.
                request = Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{{}}\r\n0\r\n\r\n");
                break;
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address.Host, address.Port, cancellationToken);
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[64];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            var head = Encoding.ASCII.GetString(buffer, 0, read);
            return ($"raw kind {kind} to {path}", head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(head.AsSpan(9, 3), out var status) ? status : 0);
        }
        catch (SocketException)
        {
            return ($"raw kind {kind} to {path}", 0);
        }
    }

    private static string Query(Random rng) => rng.Next(4) switch
    {
        0 => string.Empty,
        1 => "?wait=" + rng.Next(-5, 100),
        2 => "?wait=" + Uri.EscapeDataString(Garbage(rng, 10)),
        _ => "?" + Uri.EscapeDataString(Garbage(rng, 20)) + "=" + Uri.EscapeDataString(Garbage(rng, 200)),
    };

    private static byte[] Body(Random rng)
    {
        switch (rng.Next(8))
        {
            case 0:
                var bytes = new byte[rng.Next(0, 3000)];
                rng.NextBytes(bytes);
                return bytes;
            case 1:
                return [(byte)'{', (byte)'"', .. Encoding.ASCII.GetBytes(Fields[rng.Next(Fields.Length)]), (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, 0xED, 0xA0, 0x80, (byte)'"', (byte)'}'];
            case 2:
                return Encoding.UTF8.GetBytes(new string('[', rng.Next(1, 5000)));
            case 3:
                return Encoding.UTF8.GetBytes("{\"" + Fields[rng.Next(Fields.Length)] + "\":\"" + new string('x', rng.Next(1, 40_000)) + "\"}");
            case 4:
                return Encoding.UTF8.GetBytes("appid=" + Garbage(rng, 10) + "&secret=" + Garbage(rng, 50) + "&js_code=" + Garbage(rng, 43) + "&grant_type=authorization_code&code=%ZZ");
            default:
                var json = new JsonObject();
                foreach (var _ in Enumerable.Range(0, rng.Next(0, 5)))
                {
                    json[Fields[rng.Next(Fields.Length)]] = Value(rng, depth: 0);
                }

                return Encoding.UTF8.GetBytes(json.ToJsonString());
        }
    }

    private static JsonNode? Value(Random rng, int depth) => rng.Next(depth > 3 ? 6 : 9) switch
    {
        0 => null,
        1 => JsonValue.Create(rng.Next()),
        2 => JsonValue.Create(rng.NextDouble() * 1e300),
        3 => JsonValue.Create(rng.Next(2) == 0),
        4 => JsonValue.Create(Garbage(rng, rng.Next(0, 300))),
        5 => JsonValue.Create(new[] { "scope.camera", "scope.userLocation", "auth_base", "allow", "deny", "granted", "wechat", "fuzz-app" }[rng.Next(8)]),
        6 => new JsonArray([.. Enumerable.Range(0, rng.Next(0, 20)).Select(_ => Value(rng, depth + 1))]),
        7 => new JsonObject { [Fields[rng.Next(Fields.Length)]] = Value(rng, depth + 1) },
        _ => JsonValue.Create(long.MaxValue),
    };

    private static string Garbage(Random rng, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => (char)rng.Next(0, 0xFFFF))]);

    private static string Ascii(Random rng, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => (char)rng.Next(0x21, 0x7F))]);
}
