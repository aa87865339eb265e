using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// Delivers the outbox: one instance at a time (the store's lease), each event signed, at least once. A failed attempt
/// is recorded in the outbox with its next time (exponential backoff with jitter), so retries survive a restart and
/// other events are not held up; that is also why no in-process retry policy wraps the HTTP client.
/// </summary>
internal sealed partial class WebhookDelivery(
    ProtectedWebhookStore store,
    IIdentityStore identities,
    Pseudonyms pseudonyms,
    IHttpClientFactory httpClients,
    TimeProvider time,
    IOptions<UniAuthorizeWebhookOptions> options,
    ILogger<WebhookDelivery> logger) : BackgroundService
{
    public const string HttpClientName = "Uni.Authorize.Webhooks";

    /// <summary>Every failure to get an HTTP answer, whatever its cause (see <see cref="FailureOf"/>).</summary>
    public const string NoAnswer = "no answer";

    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var more = false;
            try
            {
                more = await RunRoundAsync(settings, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRoundFailed(logger, ex);
            }

            if (!more)
            {
                try
                {
                    await Task.Delay(settings.PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One round: takes (or keeps) the lease and delivers the due events; <see langword="true"/> when a full batch
    /// was read, so more may be due at once.</summary>
    internal async Task<bool> RunRoundAsync(UniAuthorizeWebhookOptions settings, CancellationToken cancellationToken)
    {
        var leasedAt = time.GetUtcNow();
        if (!await store.TryAcquireLeaseAsync(_holder, leasedAt, leasedAt + settings.LeaseDuration, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var due = await store.ListDueAsync(leasedAt, settings.BatchSize, cancellationToken).ConfigureAwait(false);
        var client = httpClients.CreateClient(HttpClientName);
        foreach (var pending in due)
        {
            // Renew well before the lease ends; when another instance took it meanwhile, it delivers the rest.
            var now = time.GetUtcNow();
            if (now - leasedAt > settings.LeaseDuration / 3)
            {
                leasedAt = now;
                if (!await store.TryAcquireLeaseAsync(_holder, now, now + settings.LeaseDuration, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            await DeliverAsync(client, pending, settings, cancellationToken).ConfigureAwait(false);
        }

        return due.Count == settings.BatchSize;
    }

    private async Task DeliverAsync(HttpClient client, WebhookEvent pending, UniAuthorizeWebhookOptions settings, CancellationToken cancellationToken)
    {
        var endpoint = await store.GetEndpointAsync(pending.AppId, cancellationToken).ConfigureAwait(false);
        var app = endpoint is null ? null : await identities.GetAppAsync(pending.AppId, cancellationToken).ConfigureAwait(false);
        if (endpoint is null || app is null)
        {
            // The app removed its webhook (or is gone): nobody is left to tell.
            await store.CompleteAsync(pending.Id, cancellationToken).ConfigureAwait(false);
            return;
        }

        var payload = new WebhookPayload(pending.Id, WebhookEvents.Name(pending.Kind), pending.AppId,
            pending.OpenId ?? await pseudonyms.OfAppAsync(app, pending.UserId, cancellationToken).ConfigureAwait(false), pending.Scope, pending.OccurredAt);
        var body = JsonSerializer.Serialize(payload, WebhookJson.Default.WebhookPayload);
        var timestamp = time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.IdHeader, pending.Id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(endpoint.Secret, pending.Id, timestamp, body));
        request.Headers.Add(WebhookSignature.AttemptHeader, (pending.Attempts + 1).ToString(CultureInfo.InvariantCulture));

        string? failure;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            failure = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            failure = FailureOf(ex);
        }

        if (failure is null)
        {
            await store.CompleteAsync(pending.Id, cancellationToken).ConfigureAwait(false);
            LogDelivered(logger, pending.Id, payload.Type, pending.AppId, pending.Attempts + 1);
            return;
        }

        var attempts = pending.Attempts + 1;
        if (attempts >= settings.MaxAttempts)
        {
            await store.CompleteAsync(pending.Id, cancellationToken).ConfigureAwait(false);
            LogAbandoned(logger, pending.Id, payload.Type, pending.AppId, attempts, failure);
            return;
        }

        var delay = Backoff(settings, attempts);
        await store.RetryAsync(pending.Id, time.GetUtcNow() + delay, cancellationToken).ConfigureAwait(false);
        LogRetrying(logger, pending.Id, pending.AppId, attempts, failure, delay);
    }

    /// <summary>
    /// What a failed attempt is recorded and logged as: <see cref="WebhookDestinations.Refusal"/> when the destination
    /// check refused it, otherwise <see cref="NoAnswer"/> (with <c>HTTP {status}</c> for an answer that was not 2xx). Name
    /// resolution, refused and reset connections, TLS failures and timeouts are one category and the exception's text is
    /// never kept: telling them apart (a closed port refuses, a filtered one times out, a listening non-TLS service fails
    /// the handshake) would make webhook URLs a port scanner of whatever networks the operator allowed.
    /// </summary>
    internal static string FailureOf(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookDestinationException)
            {
                return WebhookDestinations.Refusal;
            }
        }

        return NoAnswer;
    }

    /// <summary>The wait after <paramref name="attempts"/> failures: doubling from the first delay, capped, ±20 % jitter so
    /// that many events failing together do not come back together.</summary>
    internal static TimeSpan Backoff(UniAuthorizeWebhookOptions settings, int attempts)
    {
        var doubled = settings.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(doubled, settings.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    [LoggerMessage(1, LogLevel.Information, "Delivered webhook event {EventId} ({Type}) to app {AppId} at attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string eventId, string type, string appId, int attempt);

    [LoggerMessage(2, LogLevel.Warning, "Webhook event {EventId} to app {AppId} failed at attempt {Attempt} ({Failure}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string eventId, string appId, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Error, "Dropped webhook event {EventId} ({Type}) to app {AppId} after {Attempts} failed attempts ({Failure})")]
    private static partial void LogAbandoned(ILogger logger, string eventId, string type, string appId, int attempts, string failure);

    [LoggerMessage(4, LogLevel.Warning, "A webhook delivery round failed; the next round retries")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
