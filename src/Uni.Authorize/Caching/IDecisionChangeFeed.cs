namespace Uni.Authorize;

/// <summary>
/// Tells caches about decisions changed by other processes (for example PostgreSQL <c>LISTEN/NOTIFY</c>).
/// While <see cref="IsHealthy"/> is false a cache must not answer from memory: a missed change could be a revoke.
/// </summary>
public interface IDecisionChangeFeed
{
    /// <summary>Whether changes are being received now.</summary>
    bool IsHealthy { get; }

    /// <summary>Raised for each decision changed anywhere: the subject and the canonical scope.</summary>
    event Action<Subject, string>? Changed;

    /// <summary>Raised when the feed is lost (<see langword="false"/>) or back (<see langword="true"/>);
    /// when it is back, changes made meanwhile are unknown, so caches drop everything.</summary>
    event Action<bool>? HealthChanged;
}
