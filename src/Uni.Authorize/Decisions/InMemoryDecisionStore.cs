using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>A process-local <see cref="IDecisionStore"/>: the default, and the reference the durable stores are tested against.</summary>
public sealed class InMemoryDecisionStore : IDecisionStore
{
    private readonly ConcurrentDictionary<DecisionKey, Decision> _decisions = new();
    private readonly Dictionary<Subject, List<(long Sequence, DecisionAuditEntry Entry)>> _audit = new();
    private readonly Lock _writeGate = new();
    private readonly InMemoryWebhookStore? _webhooks;
    private long _auditSequence;

    /// <summary>A store that reports to no webhooks.</summary>
    public InMemoryDecisionStore()
    {
    }

    /// <summary>A store that writes the changes <see cref="WebhookEvents"/> names into the outbox of <paramref name="webhooks"/>.</summary>
    public InMemoryDecisionStore(InMemoryWebhookStore webhooks)
    {
        ArgumentNullException.ThrowIfNull(webhooks);
        _webhooks = webhooks;
    }

    /// <inheritdoc />
    public ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default) =>
        new(_decisions.GetValueOrDefault(new DecisionKey(subject.AppId, subject.UserId, scope)));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        var list = _decisions.Values
            .Where(d => d.Subject == subject)
            .OrderBy(d => d.Scope, StringComparer.Ordinal)
            .ToArray();
        return new(list);
    }

    /// <inheritdoc />
    public ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var key = new DecisionKey(write.Subject.AppId, write.Subject.UserId, write.Scope);
        lock (_writeGate)
        {
            var current = _decisions.GetValueOrDefault(key);
            if ((current?.Version ?? 0) != write.ExpectedVersion)
            {
                return new(DecisionWriteResult.Conflict(current));
            }

            var next = new Decision(write.Subject, write.Scope, write.State, write.Source, write.DecidedAt, write.ExpiresAt, write.ExpectedVersion + 1)
            {
                PurposeVersion = write.PurposeVersion,
                Lifetime = write.Lifetime,
            };
            _decisions[key] = next;
            if (!_audit.TryGetValue(write.Subject, out var trail))
            {
                _audit[write.Subject] = trail = [];
            }

            var from = current?.State ?? DecisionState.NotDetermined;
            trail.Add((++_auditSequence, new DecisionAuditEntry(write.Subject, write.Scope, from, write.State, write.Source, write.DecidedAt)
            {
                PurposeVersion = write.PurposeVersion,
                Lifetime = write.Lifetime,
            }));
            if (_webhooks is not null && from != write.State && WebhookEvents.KindOf(write) is { } kind)
            {
                _webhooks.Enqueue(write.Subject.AppId, write.Subject.UserId, kind, write.Scope, write.DecidedAt);
            }

            return new(DecisionWriteResult.Success(next));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        lock (_writeGate)
        {
            return new(_audit.TryGetValue(subject, out var trail) ? [.. trail.Select(static t => t.Entry)] : []);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return new([.. _decisions.Values
            .Where(d => string.Equals(d.Subject.UserId, userId, StringComparison.Ordinal))
            .OrderBy(d => d.Subject.AppId, StringComparer.Ordinal)
            .ThenBy(d => d.Scope, StringComparer.Ordinal)]);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_writeGate)
        {
            return new([.. _audit
                .Where(pair => string.Equals(pair.Key.UserId, userId, StringComparison.Ordinal))
                .SelectMany(static pair => pair.Value)
                .OrderBy(static t => t.Sequence)
                .Select(static t => t.Entry)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        DecisionErasure.ThrowIfNotErasable(userId);
        cancellationToken.ThrowIfCancellationRequested();
        var pseudonym = DecisionErasure.NewPseudonym();
        var decisions = 0;
        var entries = 0;
        lock (_writeGate)
        {
            var apps = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var pair in _decisions)
            {
                if (string.Equals(pair.Key.UserId, userId, StringComparison.Ordinal) && _decisions.TryRemove(pair))
                {
                    apps.Add(pair.Key.AppId);
                    decisions++;
                }
            }

            foreach (var subject in _audit.Keys.Where(s => string.Equals(s.UserId, userId, StringComparison.Ordinal)).ToArray())
            {
                var erased = new Subject(subject.AppId, pseudonym);
                _audit.Remove(subject, out var trail);
                _audit[erased] = [.. trail!.Select(t => (t.Sequence, t.Entry with { Subject = erased }))];
                entries += trail!.Count;
                apps.Add(subject.AppId);
            }

            foreach (var app in apps)
            {
                _webhooks?.Enqueue(app, userId, WebhookEventKind.UserErased, scope: null);
            }
        }

        return new(new DecisionErasure(pseudonym, decisions, entries));
    }

    /// <inheritdoc />
    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneExpiredAsync(now, int.MaxValue, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var pruned = 0;
        lock (_writeGate)
        {
            foreach (var pair in _decisions)
            {
                if (pruned == batchSize)
                {
                    break;
                }

                if (pair.Value.ExpiresAt is { } expiresAt && expiresAt <= now && _decisions.TryRemove(pair))
                {
                    pruned++;
                }
            }
        }

        return new(pruned);
    }

    private readonly record struct DecisionKey(string AppId, string UserId, string Scope);
}
