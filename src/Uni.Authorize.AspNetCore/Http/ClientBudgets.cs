using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// What one client may spend: code exchanges per app and client address (<see cref="UniAuthorizeHostOptions.ExchangePermitLimit"/>),
/// and wrong admin keys per client address (<see cref="UniAuthorizeHostOptions.AdminKeyFailureLimit"/>). The client
/// address is the connection's: the real client's once the application believes its proxy (<c>UseForwardedHeaders</c>
/// rewrites it), the proxy's otherwise, never a header the client wrote. Counted per instance.
/// </summary>
internal sealed class ClientBudgets : IDisposable
{
    private readonly PartitionedRateLimiter<string> _exchanges;
    private readonly PartitionedRateLimiter<string> _adminKeyFailures;

    public ClientBudgets(IOptions<UniAuthorizeHostOptions> options)
    {
        var o = options.Value;
        _exchanges = Windows(o.ExchangePermitLimit, o.ExchangeWindow);
        _adminKeyFailures = Windows(o.AdminKeyFailureLimit, o.AdminKeyFailureWindow);
    }

    /// <summary>The client's address as this request's connection reports it.</summary>
    public static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Spends one exchange of the app the request names (<paramref name="appId"/>, not yet authenticated) from
    /// the client's address; <see langword="false"/> (with <c>Retry-After</c> set) when that budget is spent. Another
    /// app's budget, or the same app's from another address, is untouched.</summary>
    public bool TrySpendExchange(HttpContext context, string? appId)
    {
        // An id of no app's length gets no budget of its own: it shares the address's one of "no app".
        var app = appId is { Length: > 0 and <= 64 } ? appId : string.Empty;
        using var lease = _exchanges.AttemptAcquire(app + "\n" + Address(context));
        if (!lease.IsAcquired)
        {
            SetRetryAfter(context, lease);
        }

        return lease.IsAcquired;
    }

    /// <summary>Whether the client has used up its wrong admin keys; then sets <c>Retry-After</c> and the key is not even
    /// checked, so that guessing stops at the limit whatever the guess.</summary>
    public bool AdminKeyLockedOut(HttpContext context)
    {
        using var probe = _adminKeyFailures.AttemptAcquire(Address(context), 0);
        if (!probe.IsAcquired)
        {
            SetRetryAfter(context, probe);
        }

        return !probe.IsAcquired;
    }

    /// <summary>Counts a wrong admin key against the client's address.</summary>
    public void AdminKeyFailed(HttpContext context) => _adminKeyFailures.AttemptAcquire(Address(context)).Dispose();

    /// <summary>The 429 problem of a client that sent too many wrong admin keys.</summary>
    public static IResult AdminKeyProblem() =>
        Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many wrong admin keys from this address; retry later.");

    public void Dispose()
    {
        _exchanges.Dispose();
        _adminKeyFailures.Dispose();
    }

    private static void SetRetryAfter(HttpContext context, RateLimitLease lease)
    {
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    private static PartitionedRateLimiter<string> Windows(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
        }));
}
