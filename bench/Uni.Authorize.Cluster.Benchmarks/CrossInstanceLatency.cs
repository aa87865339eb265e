using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Uni.Authorize.Cluster.Benchmarks;

/// <summary>
/// Two host processes A and B on one PostgreSQL database. Each round registers a fresh user with a session of one app,
/// so every round is a first call, and signs the user in on B by name (loopback). Then:
/// (a) with the user's consent list long-polling on B, the app asks on A (<c>POST /api/v1/authorize?wait=0</c>, 202):
///     timed from sending the request on A to B's list answering with the consent;
/// (b) with the app's call long-polling on A, the user allows on B (<c>POST /api/v1/user/consents/{id}/answer</c>):
///     timed from sending the answer on B to A's poll answering <c>authorize:ok</c>.
/// </summary>
internal static class CrossInstanceLatency
{
    private const int WarmUpRounds = 20;
    private const string Scope = "scope.userLocation";

    // Time for a long poll to reach the host and park before the event it waits for is caused.
    private static readonly TimeSpan Park = TimeSpan.FromMilliseconds(25);

    public static async Task RunAsync(string connectionString, int rounds, string? csv)
    {
        await HostInstance.BuildAsync();
        await using var a = await HostInstance.StartAsync(connectionString);
        await using var b = await HostInstance.StartAsync(connectionString);
        using var onA = Client(a.Address);
        using var onB = Client(b.Address);
        try
        {
            var app = await ReadAsync(await SendAsync(onA, HttpMethod.Post, "/admin/v1/apps", new { name = "Latency bench", platform = "wechat" }, admin: true),
                HttpStatusCode.Created);
            var appId = (string)app["id"]!;

            var listed = new Samples("(a) ask sent on A → consent listed by B's long poll");
            var accepted = new Samples("    of which: A answers 202");
            var returned = new Samples("(b) answer sent on B → A's waiting call returns");
            var answered = new Samples("    of which: B answers 204");
            var lines = new StringBuilder("round,a_listed_ms,a_202_ms,b_returned_ms,b_204_ms\n");
            var clock = Stopwatch.StartNew();
            for (var round = -WarmUpRounds; round < rounds; round++)
            {
                var (a1, a2, b1, b2) = await RoundAsync(onA, onB, appId);
                if (round < 0)
                {
                    continue;
                }

                listed.Add(a1);
                accepted.Add(a2);
                returned.Add(b1);
                answered.Add(b2);
                lines.Append(CultureInfo.InvariantCulture, $"{round},{a1.TotalMilliseconds:0.000},{a2.TotalMilliseconds:0.000},{b1.TotalMilliseconds:0.000},{b2.TotalMilliseconds:0.000}\n");
                if ((round + 1) % 100 == 0)
                {
                    Console.WriteLine($"  {round + 1} rounds, {clock.Elapsed.TotalSeconds:0} s");
                }
            }

            if (csv is not null)
            {
                await File.WriteAllTextAsync(csv, lines.ToString());
            }

            Console.WriteLine();
            Console.WriteLine($"Two host processes on one PostgreSQL, {rounds:N0} rounds after {WarmUpRounds} warm-up rounds, a fresh user per round:");
            Console.WriteLine();
            Console.WriteLine(Samples.Header);
            foreach (var samples in new[] { listed, accepted, returned, answered })
            {
                Console.WriteLine(samples.Row());
            }

            Console.WriteLine();
            Console.WriteLine($"Target p99 ≤ 100 ms: (a) {Verdict(listed)}, (b) {Verdict(returned)}");
        }
        catch
        {
            Console.Error.WriteLine("--- host A ---\n" + a.Output + "\n--- host B ---\n" + b.Output);
            throw;
        }
    }

    private static string Verdict(Samples samples) => samples.Percentile(99) <= 100 ? "met" : "missed";

    private static async Task<(TimeSpan Listed, TimeSpan Accepted, TimeSpan Returned, TimeSpan Answered)> RoundAsync(HttpClient onA, HttpClient onB, string appId)
    {
        var name = "bench-" + Guid.NewGuid().ToString("N")[..12];
        var user = await ReadAsync(await SendAsync(onA, HttpMethod.Post, "/admin/v1/users", new { name }, admin: true), HttpStatusCode.OK);
        var session = await ReadAsync(await SendAsync(onA, HttpMethod.Post, "/admin/v1/sessions", new { appId, userId = (string)user["id"]! }, admin: true),
            HttpStatusCode.Created);
        var token = (string)session["token"]!;
        var browser = new Browser();
        await browser.RefreshAntiforgeryAsync(onB);
        await ReadAsync(await browser.SendAsync(onB, HttpMethod.Post, "/api/v1/user/sign-in", new { name }), HttpStatusCode.OK);
        await browser.RefreshAntiforgeryAsync(onB);

        // (a) The app asks on A while the user's list waits on B.
        var listing = TimedAsync(browser.SendAsync(onB, HttpMethod.Get, "/api/v1/user/consents?wait=10", null));
        await Task.Delay(Park);
        var asked = Stopwatch.GetTimestamp();
        var call = await ReadAsync(await SendAsync(onA, HttpMethod.Post, "/api/v1/authorize?wait=0", new { scope = Scope }, bearer: token), HttpStatusCode.Accepted);
        var accepted = Stopwatch.GetElapsedTime(asked);
        var (list, listedAt) = await listing;
        var consents = list["consents"]!.AsArray();
        if (consents.Count != 1)
        {
            throw new InvalidOperationException($"B listed {consents.Count} consents: {list.ToJsonString()}");
        }

        var listed = Stopwatch.GetElapsedTime(asked, listedAt);

        // (b) The user allows on B while the app's call waits on A.
        var polling = TimedAsync(SendAsync(onA, HttpMethod.Get, $"/api/v1/calls/{(string)call["callId"]!}?wait=10", null, bearer: token));
        await Task.Delay(Park);
        var answering = Stopwatch.GetTimestamp();
        var answer = await browser.SendAsync(onB, HttpMethod.Post, $"/api/v1/user/consents/{(string)consents[0]!["id"]!}/answer", new { answer = "allow" });
        var answered = Stopwatch.GetElapsedTime(answering);
        if (answer.StatusCode != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"The answer on B got {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        }

        var (outcome, returnedAt) = await polling;
        if ((string?)outcome["errMsg"] != "authorize:ok")
        {
            throw new InvalidOperationException("A's call did not return the grant: " + outcome.ToJsonString());
        }

        return (listed, accepted, Stopwatch.GetElapsedTime(answering, returnedAt), answered);
    }

    private static async Task<(JsonObject Body, long At)> TimedAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        var at = Stopwatch.GetTimestamp();
        return (await ReadAsync(response, HttpStatusCode.OK), at);
    }

    private static HttpClient Client(Uri address) =>
        new(new SocketsHttpHandler { UseCookies = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        };

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body, bool admin = false, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (admin)
        {
            request.Headers.Add("X-Admin-Key", HostInstance.AdminKey);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client.SendAsync(request);
    }

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, not {(int)expected}: {text}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>One user's cookies and antiforgery token, as a browser keeps them across instances of one site.</summary>
    private sealed class Browser
    {
        private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);
        private string? _csrf;

        public async Task RefreshAntiforgeryAsync(HttpClient client) =>
            _csrf = (string)(await ReadAsync(await SendAsync(client, HttpMethod.Get, "/api/v1/user/antiforgery", null), HttpStatusCode.OK))["token"]!;

        public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => c.Key + "=" + c.Value)));
            }

            if (_csrf is not null)
            {
                request.Headers.Add("X-CSRF-TOKEN", _csrf);
            }

            var response = await client.SendAsync(request);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies)
                {
                    var pair = setCookie.Split(';', 2)[0];
                    var at = pair.IndexOf('=', StringComparison.Ordinal);
                    if (at > 0)
                    {
                        _cookies[pair[..at].Trim()] = pair[(at + 1)..].Trim();
                    }
                }
            }

            return response;
        }
    }
}
