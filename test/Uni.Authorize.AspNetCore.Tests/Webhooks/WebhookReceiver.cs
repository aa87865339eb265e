using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace Uni.Authorize.AspNetCore.Tests.Webhooks;

/// <summary>One request as the receiver saw it, with the status it answered.</summary>
internal sealed record Delivery(string Id, string Timestamp, string Signature, string Attempt, byte[] Body, int Status)
{
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>The Standard Webhooks headers as a receiver's request has them.</summary>
    public IHeaderDictionary Headers => new HeaderDictionary
    {
        ["webhook-id"] = Id,
        ["webhook-timestamp"] = Timestamp,
        ["webhook-signature"] = Signature,
    };
}

/// <summary>A real HTTP receiver (Kestrel on a loopback port in the test process) that records every delivery and answers
/// with the status <see cref="Respond"/> picks for the n-th request (1-based).</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private int _count;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Func<int, int> Respond { get; set; } = static _ => StatusCodes.Status200OK;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<Delivery> Deliveries => [.. _deliveries];

    /// <summary>Starts a receiver listening on <paramref name="address"/> (default 127.0.0.1) at a free port.</summary>
    public static async Task<WebhookReceiver> StartAsync(string address = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{address}:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var status = receiver.Respond(Interlocked.Increment(ref receiver._count));
            var headers = context.Request.Headers;
            receiver._deliveries.Enqueue(new Delivery(headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(),
                headers["webhook-signature"].ToString(), headers["Uni-Webhook-Attempt"].ToString(), body.ToArray(), status));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        receiver.Url = new Uri(new Uri(app.Urls.Single()), "/hooks");
        return receiver;
    }

    /// <summary>Waits until at least <paramref name="count"/> deliveries arrived; fails after <see cref="TestHost.Patience"/>.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForAsync(int count)
    {
        var deadline = DateTime.UtcNow + TestHost.Patience;
        while (_deliveries.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{_deliveries.Count} of {count} deliveries arrived.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return Deliveries;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What the receiver in docs/http-api.md decides about a delivery.</summary>
internal enum Verdict
{
    Accepted,
    BadSignature,
    Stale,
    Duplicate,
}

/// <summary>The receiver's checks as docs/http-api.md writes them, with the Standard Webhooks library: the signature over
/// <c>id.timestamp.body</c>, a timestamp within five minutes of now (the library's clock), and an id not seen before.</summary>
internal sealed class ReceiverChecks(string secret)
{
    private readonly HashSet<string> _seen = [];

    public Verdict Check(Delivery delivery)
    {
        try
        {
            new StandardWebhook(secret).Verify(delivery.Text, delivery.Headers);
        }
        catch (WebhookVerificationException ex) when (ex.Message.Contains("timestamp", StringComparison.OrdinalIgnoreCase))
        {
            return Verdict.Stale;
        }
        catch (WebhookVerificationException)
        {
            return Verdict.BadSignature;
        }

        return _seen.Add(delivery.Id) ? Verdict.Accepted : Verdict.Duplicate;
    }
}
