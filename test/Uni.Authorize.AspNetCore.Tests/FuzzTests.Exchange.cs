using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The code exchange of every platform under malformed bodies and encodings: each answer is the platform's own
/// invalid-parameter answer, never a 5xx. Every request carries the app's real id and secret but a parameter the endpoint
/// must refuse, so nothing reaches a success by chance. Seeded: a failure names the seed that reproduces it.</summary>
public sealed partial class FuzzTests
{
    private const int ExchangeRequests = 3_000;
    private const int ExchangeSeed = 20261208;

    // How a target field (the one the endpoint must refuse) is corrupted.
    private enum Corruption { Absent, Empty, Duplicated, Null, Number, Object, LoneSurrogate, InvalidUtf8, BadBizContent }

    // How the body is sent.
    private enum BodyKind { Form, Json, Utf16, WrongContentType, Huge, Truncated }

    private static readonly string[] WrongContentTypes =
    [
        "text/plain", "multipart/form-data; boundary=x", "application/xml", "", "application/octet-stream", "application/json",
        "application/x-www-form-urlencoded", "application/json; charset=utf-16",
    ];

    [Fact]
    public async Task ExchangeEndpoints_MalformedBodiesAndEncodings_AnswerThePlatformsInvalidParameterNever5xx()
    {
        const string AdminKey = "fuzz-admin-key-0123456789";
        await using var host = await HostProcess.StartAsync("--Store:Provider=InMemory", "--Host:AdminKey=" + AdminKey, "--Host:ExchangePermitLimit=1000000");
        using var admin = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        var secrets = new Dictionary<string, (string Id, string Secret)>();
        foreach (var platform in (string[])["wechat", "alipay", "bytedance", "baidu", "kuaishou"])
        {
            var app = (await (await admin.PostAsJsonAsync("/admin/v1/apps", new { id = "fuzz-" + platform, name = "Fuzz", platform })).Content.ReadFromJsonAsync<JsonObject>())!;
            secrets[platform] = ((string)app["id"]!, (string)app["secret"]!);
        }

        var targets = Targets(secrets);
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var byEncoding = new int[Enum.GetValues<BodyKind>().Length];
        var random = new Random(ExchangeSeed);
        var seeds = Enumerable.Range(0, ExchangeRequests).Select(_ => random.Next()).ToArray();
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = TestContext.Current.CancellationToken }, async (seed, ct) =>
        {
            var rng = new Random(seed);
            var target = targets[rng.Next(targets.Length)];
            var encoding = (BodyKind)rng.Next(byEncoding.Length);
            Interlocked.Increment(ref byEncoding[(int)encoding]);
            var (status, body) = await SendExchangeAsync(client, host.Address, target, encoding, rng, ct);
            if (status == 0 && encoding == BodyKind.Truncated)
            {
                return;
            }

            if (status >= 500 || status == 0 || !target.IsInvalidParameter(body) || (target.Status is { } expected && status != expected))
            {
                failures.Add($"seed {seed}: {encoding} to {target.Path} answered {status} {body?.ToJsonString()}");
            }
        });

        Assert.All(byEncoding, count => Assert.True(count > ExchangeRequests / 20, $"requests by encoding: {string.Join(", ", byEncoding)}"));
        Assert.False(host.HasExited, "The host crashed:\n" + host.Output);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {ExchangeRequests} answers were not the platform's invalid-parameter answer, e.g.\n" + string.Join("\n", failures.Take(5)));
        Assert.DoesNotContain("Unhandled error", host.Output, StringComparison.Ordinal);
    }

    /// <summary>An exchange endpoint: its fields (the app's real credentials among them), the ones a request corrupts, and
    /// the platform's invalid-parameter answer; <see cref="Status"/> when the endpoint's status is fixed for it.</summary>
    private sealed record ExchangeTarget(string Path, (string Name, string Value)[] Fields, string[] Corrupt, Func<JsonObject?, bool> IsInvalidParameter, int? Status);

    private static ExchangeTarget[] Targets(Dictionary<string, (string Id, string Secret)> apps)
    {
        const string Prefix = "/api/v1/exchange/";
        var wechat = apps["wechat"];
        var alipay = apps["alipay"];
        var bytedance = apps["bytedance"];
        var baidu = apps["baidu"];
        var kuaishou = apps["kuaishou"];
        static bool Alipay(JsonObject? body, string key, params string[] subCodes) =>
            body?[key] is JsonObject error && (string?)error["code"] is "40001" or "40002" && subCodes.Contains((string?)error["sub_code"]);

        ExchangeTarget ByteDance(string path, int status) => new(Prefix + path,
            [("appid", bytedance.Id), ("secret", bytedance.Secret), ("code", "c"), ("anonymous_code", "a")], ["code", "anonymous_code"],
            b => b?["err_no"] is JsonValue n && (int)n == 40014 && b["data"] is null, status);
        ExchangeTarget Baidu(string path, int status) => new(Prefix + path,
            [("code", "c"), ("client_id", baidu.Id), ("sk", baidu.Secret)], ["code"],
            b => b?["errno"] is JsonValue n && (int)n == 10010100 && (string?)b["error"] == "parameter is invalid", status);
        // WeChat names what is missing or unreadable: a field (41002 appid, 41004 secret, 41008 code), the grant type
        // (40002) or the body (40097), always with HTTP 200.
        ExchangeTarget WeChat(string path) => new(Prefix + path,
            [("appid", wechat.Id), ("secret", wechat.Secret), ("js_code", "c"), ("grant_type", "authorization_code")], ["grant_type"],
            b => b?["errcode"] is JsonValue n && (int)n is 40097 or 41002 or 41004 or 41008 or 40002, 200);
        ExchangeTarget Kuaishou(string path, int status) => new(Prefix + path,
            [("app_id", kuaishou.Id), ("app_secret", kuaishou.Secret), ("js_code", "c")], ["js_code"],
            b => b?["result"] is JsonValue n && (int)n == 100200100, status);

        return
        [
            WeChat("wechat/jscode2session"),
            WeChat("wechat/sns/jscode2session"),
            new(Prefix + "alipay/oauth-token",
                [("app_id", alipay.Id), ("app_secret", alipay.Secret), ("grant_type", "authorization_code"), ("code", "c")], ["grant_type"],
                b => Alipay(b, "error_response", "isv.missing-parameters", "isv.grant-type-invalid"), null),
            new(Prefix + "alipay/zhima.credit.score.brief.get",
                [("app_id", alipay.Id), ("app_secret", alipay.Secret), ("auth_token", "t"),
                    ("biz_content", "{\"transaction_id\":\"t1\",\"product_code\":\"w1010100000000002733\",\"admittance_score\":650}")], ["biz_content"],
                // A body the host cannot read leaves no app id to authenticate: Alipay's "Invalid Arguments" for the app.
                b => Alipay(b, "zhima_credit_score_brief_get_response", "isv.missing-parameters", "isv.invalid-parameter", "isv.invalid-app-secret"), null),
            ByteDance("bytedance/jscode2session", 400),
            ByteDance("bytedance/api/apps/v2/jscode2session", 200),
            Baidu("baidu/getsessionkeybycode", 400),
            Baidu("baidu/oauth/jscode2sessionkey", 200),
            Kuaishou("kuaishou/code2session", 400),
            Kuaishou("kuaishou/oauth2/mp/code2session", 200),
        ];
    }

    private static async Task<(int Status, JsonObject? Body)> SendExchangeAsync(
        HttpClient client, Uri address, ExchangeTarget target, BodyKind encoding, Random rng, CancellationToken cancellationToken)
    {
        var json = encoding switch
        {
            BodyKind.Json or BodyKind.Truncated => true,
            BodyKind.Form => false,
            _ => rng.Next(2) == 0,
        };
        var body = Build(target, json, rng);
        var contentType = json ? "application/json" : "application/x-www-form-urlencoded";
        switch (encoding)
        {
            case BodyKind.Utf16:
                var text = System.Text.Encoding.UTF8.GetString(body);
                var utf16 = rng.Next(2) == 0 ? System.Text.Encoding.Unicode : System.Text.Encoding.BigEndianUnicode;
                body = [.. rng.Next(2) == 0 ? utf16.GetPreamble() : [], .. utf16.GetBytes(text)];
                contentType += rng.Next(2) == 0 ? "; charset=utf-16" : string.Empty;
                break;
            case BodyKind.WrongContentType:
                // Any label but the body's own: JSON labelled as a form and the reverse among them.
                contentType = WrongContentTypes.Where(t => t != contentType).ElementAt(rng.Next(WrongContentTypes.Length - 1));
                break;
            case BodyKind.Huge:
                body = [.. body, .. System.Text.Encoding.ASCII.GetBytes((json ? " " : "&pad=") + new string('x', rng.Next(17_000, 200_000)))];
                break;
            case BodyKind.Truncated when rng.Next(4) == 0:
                return await SendCutShortAsync(address, target.Path, contentType, body, rng, cancellationToken);
            case BodyKind.Truncated:
                // JSON cut anywhere before its end is never valid JSON, whatever the cut leaves.
                body = body[..rng.Next(1, body.Length)];
                break;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, target.Path) { Content = new ByteArrayContent(body) };
        if (contentType.Length > 0)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await client.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken)));
    }

    // The body with the endpoint's fields, each target corrupted in its own way and the other fields sometimes garbled.
    private static byte[] Build(ExchangeTarget target, bool json, Random rng)
    {
        var members = new List<(string Name, byte[] Value)>();
        foreach (var (name, value) in target.Fields)
        {
            if (!target.Corrupt.Contains(name))
            {
                members.Add((name, rng.Next(8) == 0 ? Garble(value, json, rng) : Token(value, json)));
                continue;
            }

            var kinds = json
                ? new[] { Corruption.Absent, Corruption.Empty, Corruption.Duplicated, Corruption.Null, Corruption.Number, Corruption.Object, Corruption.LoneSurrogate, Corruption.InvalidUtf8 }
                : [Corruption.Absent, Corruption.Empty, Corruption.Duplicated, Corruption.InvalidUtf8];
            var kind = name == "biz_content" && rng.Next(2) == 0 ? Corruption.BadBizContent : kinds[rng.Next(kinds.Length)];
            switch (kind)
            {
                case Corruption.Absent:
                    break;
                case Corruption.Empty:
                    members.Add((name, Token(string.Empty, json)));
                    break;
                case Corruption.Duplicated:
                    members.Add((name, Token(value, json)));
                    members.Add((name, rng.Next(2) == 0 ? Token(value, json) : json ? "null"u8.ToArray() : Token(value + "2", json)));
                    break;
                case Corruption.Null:
                    members.Add((name, "null"u8.ToArray()));
                    break;
                case Corruption.Number:
                    members.Add((name, System.Text.Encoding.ASCII.GetBytes(rng.Next(2) == 0 ? rng.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) : "1e400")));
                    break;
                case Corruption.Object:
                    members.Add((name, rng.Next(2) == 0 ? "{\"code\":\"c\"}"u8.ToArray() : "[\"c\"]"u8.ToArray()));
                    break;
                case Corruption.LoneSurrogate:
                    members.Add((name, System.Text.Encoding.ASCII.GetBytes(rng.Next(2) == 0 ? "\"\\ud800\"" : "\"x\\udc00\"")));
                    break;
                case Corruption.InvalidUtf8:
                    members.Add((name, [.. json ? "\""u8 : ""u8, .. System.Text.Encoding.ASCII.GetBytes(value), 0xFF, 0xFE, 0xED, 0xC3, 0x28, .. json ? "\""u8 : ""u8]));
                    break;
                default:
                    members.Add((name, Token(BadBizContent[rng.Next(BadBizContent.Length)], json)));
                    break;
            }
        }

        Shuffle(members, rng);
        var body = new List<byte>();
        if (json)
        {
            body.Add((byte)'{');
        }

        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                body.Add(json ? (byte)',' : (byte)'&');
            }

            body.AddRange(json ? System.Text.Encoding.ASCII.GetBytes("\"" + members[i].Name + "\":") : System.Text.Encoding.ASCII.GetBytes(members[i].Name + "="));
            body.AddRange(members[i].Value);
        }

        if (json)
        {
            body.Add((byte)'}');
        }

        return [.. body];
    }

    // Zhima's biz_content that is never acceptable: strings that do not decode, numbers and nulls for strings, a
    // duplicate whose last value is wrong, truncated JSON, a score out of range.
    private static readonly string[] BadBizContent =
    [
        "{\"transaction_id\":\"\\ud800\",\"product_code\":\"p\",\"admittance_score\":650}",
        "{\"transaction_id\":\"t\",\"product_code\":\"\\udfff\\ud800\",\"admittance_score\":650}",
        "{\"\\ud800\":\"t\",\"transaction_id\":\"t\",\"product_code\":\"p\",\"admittance_score\":650}",
        "{\"transaction_id\":1,\"product_code\":\"p\",\"admittance_score\":650}",
        "{\"transaction_id\":null,\"product_code\":\"p\",\"admittance_score\":650}",
        "{\"transaction_id\":\"t\",\"product_code\":\"p\",\"admittance_score\":\"650\"}",
        "{\"transaction_id\":\"t\",\"product_code\":\"p\",\"admittance_score\":\"x\",\"admittance_score\":null}",
        "{\"transaction_id\":\"t\",\"product_code\":\"p\",\"admittance_score\":1e400}",
        "{\"transaction_id\":\"t\",\"product_code\":\"p\",\"admittance_score\":6",
        "[\"t\",\"p\",650]",
        "\"\\ud800\"",
    ];

    private static byte[] Token(string value, bool json) =>
        System.Text.Encoding.UTF8.GetBytes(json ? System.Text.Json.JsonSerializer.Serialize(value) : Uri.EscapeDataString(value));

    // A field's value made wrong but still well-formed in the body's syntax: it must not change which answer comes.
    private static byte[] Garble(string value, bool json, Random rng) => rng.Next(3) switch
    {
        0 => Token(value + new string((char)rng.Next(0x4E00, 0x9FFF), 3), json),
        1 => json ? "123"u8.ToArray() : "%FF%FE"u8.ToArray(),
        _ => Token(string.Empty, json),
    };

    private static void Shuffle<T>(List<T> items, Random rng)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    // A Content-Length longer than the body, then the client closes its side: Kestrel takes the half-close for the
    // client going away and drops the request, so no answer (status 0) is as right as the platform's answer.
    private static async Task<(int Status, JsonObject? Body)> SendCutShortAsync(Uri address, string path, string contentType, byte[] body, Random rng, CancellationToken cancellationToken)
    {
        var sent = body.AsSpan(0, rng.Next(0, body.Length + 1)).ToArray();
        var head = System.Text.Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length + rng.Next(1, 5000)}\r\nConnection: close\r\n\r\n");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.Host, address.Port, cancellationToken);
        await socket.SendAsync((byte[])[.. head, .. sent], SocketFlags.None, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // The host may reset the connection after its answer, with the rest of a body it did not need unread.
        }

        var response = received.ToArray();
        var text = System.Text.Encoding.ASCII.GetString(response);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || split < 0)
        {
            return (0, null);
        }

        var status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var payload = response.AsSpan(split + 4).ToArray();
        return (status, Parse(text[..split].Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Unchunk(payload) : payload));
    }

    private static byte[] Unchunk(byte[] chunked)
    {
        var output = new List<byte>();
        var at = 0;
        while (at < chunked.Length)
        {
            var end = chunked.AsSpan(at).IndexOf("\r\n"u8);
            var size = Convert.ToInt32(System.Text.Encoding.ASCII.GetString(chunked, at, end).Split(';')[0], 16);
            if (size == 0)
            {
                break;
            }

            output.AddRange(chunked.AsSpan(at + end + 2, size));
            at += end + 2 + size + 2;
        }

        return [.. output];
    }

    private static JsonObject? Parse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
