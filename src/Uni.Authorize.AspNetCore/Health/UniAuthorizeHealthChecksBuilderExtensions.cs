using Microsoft.Extensions.Diagnostics.HealthChecks;
using Uni.Authorize.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the readiness checks of Uni.Authorize to ASP.NET Core health checks. Nothing is mapped: the app
/// maps its probes, for example <c>app.MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains("ready") })</c>.</summary>
public static class UniAuthorizeHealthChecksBuilderExtensions
{
    /// <summary>The tag of the checks added by <see cref="AddUniAuthorizeChecks"/>: <c>ready</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>The name of the decision store check: <c>uni-authorize-decision-store</c>.</summary>
    public const string DecisionStoreCheck = "uni-authorize-decision-store";

    /// <summary>The name of the change feed check: <c>uni-authorize-change-feed</c>.</summary>
    public const string ChangeFeedCheck = "uni-authorize-change-feed";

    /// <summary>Adds two checks tagged <see cref="ReadyTag"/>: the decision store answers a cheap query (within
    /// 5 seconds), and the registered <see cref="Uni.Authorize.IDecisionChangeFeed"/>, if any, receives changes.</summary>
    public static IHealthChecksBuilder AddUniAuthorizeChecks(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string[] tags = [ReadyTag];
        builder.Add(new HealthCheckRegistration(DecisionStoreCheck, static sp => ActivatorUtilities.CreateInstance<DecisionStoreHealthCheck>(sp),
            HealthStatus.Unhealthy, tags, TimeSpan.FromSeconds(5)));
        builder.Add(new HealthCheckRegistration(ChangeFeedCheck, static sp => new ChangeFeedHealthCheck(sp), HealthStatus.Unhealthy, tags));
        return builder;
    }
}
