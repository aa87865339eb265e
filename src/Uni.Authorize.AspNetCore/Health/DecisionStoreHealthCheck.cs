using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize.AspNetCore;

/// <summary>Ready when the decision store answers a lookup of one subject that never has decisions (a primary-key
/// read; a cache in front passes lists through to the store).</summary>
internal sealed partial class DecisionStoreHealthCheck(IDecisionStore store, ILogger<DecisionStoreHealthCheck> logger) : IHealthCheck
{
    private static readonly Subject Probe = new("uni-authorize-health", "uni-authorize-health");

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.ListAsync(Probe, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The decision store answers.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An outage is expected here: its message goes to the log without a stack trace, and not into the response.
            StoreDoesNotAnswer(logger, ex.GetType().Name, ex.Message);
            return new HealthCheckResult(context.Registration.FailureStatus, "The decision store does not answer.");
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The decision store does not answer the readiness check ({ErrorType}: {ErrorMessage})")]
    private static partial void StoreDoesNotAnswer(ILogger logger, string errorType, string errorMessage);
}
