namespace Uni.Authorize;

/// <summary>
/// Where decisions live. Implementations are safe for concurrent use, compare ids and scopes ordinally,
/// keep at most one row per (app, user, scope), and throw (any exception) when the backing store cannot
/// answer: the engine then fails closed.
/// </summary>
public interface IDecisionStore
{
    /// <summary>The decision for one subject and scope, or <see langword="null"/> when none was ever stored.</summary>
    ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default);

    /// <summary>Every stored decision of one subject, in ordinal scope order.</summary>
    ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a decision when the stored version equals <see cref="DecisionWrite.ExpectedVersion"/> (0: no row yet),
    /// appending an audit entry (and, when the store keeps webhooks, the event <see cref="WebhookEvents.KindOf"/> names)
    /// in the same atomic step; otherwise returns a conflict with the stored decision.
    /// </summary>
    ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default);

    /// <summary>The audit trail of one subject, oldest first.</summary>
    ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default);

    /// <summary>Every stored decision of one user in every app, ordered by app id then scope (ordinal).</summary>
    ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The audit trail of one user in every app, oldest first.</summary>
    ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes every decision of <paramref name="userId"/> and moves its audit entries to a new pseudonym, in one atomic
    /// step: a concurrent write lands before it (and is erased) or fails with a conflict. A store that keeps webhooks queues
    /// a <see cref="WebhookEventKind.UserErased"/> event, in the same step, for every app with an endpoint in which the user
    /// had a decision or an audit entry.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="userId"/> is empty or already a pseudonym.</exception>
    ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every decision that expired at or before <paramref name="now"/>; returns how many.</summary>
    ValueTask<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneExpiredAsync(now, int.MaxValue, cancellationToken);

    /// <summary>Deletes at most <paramref name="batchSize"/> decisions that expired at or before <paramref name="now"/>;
    /// returns how many went. Each call is short, so lookups running meanwhile are not held up.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default);
}
