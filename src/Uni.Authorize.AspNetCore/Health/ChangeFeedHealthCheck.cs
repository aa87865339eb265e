using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Uni.Authorize.AspNetCore;

/// <summary>Ready when no change feed is registered, or when the registered one receives changes.</summary>
internal sealed class ChangeFeedHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(services.GetService<IDecisionChangeFeed>() switch
        {
            null => HealthCheckResult.Healthy("No change feed is registered."),
            { IsHealthy: true } => HealthCheckResult.Healthy("The change feed receives changes."),
            _ => new HealthCheckResult(context.Registration.FailureStatus, "The change feed is not receiving changes; caches read through to the store."),
        });
}
