using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>Code exchanges per client address and window; a refusal is a 429 problem with <c>Retry-After</c>, whatever
/// the application's own rate limiter answers elsewhere.</summary>
internal sealed class ExchangeRateLimitPolicy(IOptions<UniAuthorizeHostOptions> options) : IRateLimiterPolicy<string>
{
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = static async (context, cancellationToken) =>
    {
        context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many code exchanges from this address; retry later.")
            .ExecuteAsync(context.HttpContext).ConfigureAwait(false);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        RateLimitPartition.GetFixedWindowLimiter(httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.ExchangePermitLimit,
            Window = options.Value.ExchangeWindow,
            QueueLimit = 0,
        });
}
