namespace Uni.Authorize;

/// <summary>A process-local <see cref="IConsentStore"/>: the default for a single instance.</summary>
public sealed class InMemoryConsentStore : IConsentStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsentRecord> _consents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingCallRecord> _calls = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public bool IsHealthy => true;

    /// <inheritdoc />
    public event Action<ConsentSignal>? Signaled;

    /// <inheritdoc />
    public ValueTask<ConsentRecord> OpenConsentAsync(ConsentRecord candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ConsentRecord opened;
        List<ConsentRecord> expired = [];
        lock (_gate)
        {
            var key = candidate.ScopeKey;
            ConsentRecord? open = null;
            foreach (var consent in _consents.Values)
            {
                if (consent.ClosedAt is null && consent.Subject == candidate.Subject && consent.ScopeKey == key)
                {
                    if (consent.ExpiresAt <= candidate.CreatedAt)
                    {
                        expired.Add(consent);
                    }
                    else
                    {
                        open = consent;
                    }
                }
            }

            foreach (var consent in expired)
            {
                _consents[consent.Id] = consent with { ClosedAt = candidate.CreatedAt };
            }

            opened = open is null ? candidate with { Waiters = 1 } : open with { Waiters = open.Waiters + 1 };
            _consents[opened.Id] = opened;
        }

        foreach (var consent in expired)
        {
            Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, consent.Id, consent.Subject.UserId));
        }

        if (opened.Id == candidate.Id)
        {
            Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, opened.Id, opened.Subject.UserId));
        }

        return new(opened);
    }

    /// <inheritdoc />
    public ValueTask<ConsentRecord?> GetConsentAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_consents.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConsentRecord>> ListOpenConsentsAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new([.. _consents.Values
                .Where(c => c.IsOpenAt(now) && string.Equals(c.Subject.UserId, userId, StringComparison.Ordinal))
                .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> CountOpenConsentsAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_consents.Values.Count(c => c.IsOpenAt(now)));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CloseConsentAsync(string id, string? answer, DateTimeOffset closedAt, CancellationToken cancellationToken = default)
    {
        ConsentRecord? closed = null;
        lock (_gate)
        {
            if (_consents.TryGetValue(id, out var consent) && consent.ClosedAt is null)
            {
                _consents[id] = closed = consent with { Answer = answer, ClosedAt = closedAt };
            }
        }

        if (closed is null)
        {
            return new(false);
        }

        Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, id, closed.Subject.UserId));
        return new(true);
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseConsentAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ConsentRecord? closed = null;
        lock (_gate)
        {
            if (_consents.TryGetValue(id, out var consent) && consent.ClosedAt is null)
            {
                var left = Math.Max(0, consent.Waiters - 1);
                _consents[id] = left == 0 ? (closed = consent with { Waiters = 0, ClosedAt = at }) : consent with { Waiters = left };
            }
        }

        if (closed is not null)
        {
            Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, id, closed.Subject.UserId));
        }

        return new(closed is not null);
    }

    /// <inheritdoc />
    public ValueTask AddCallAsync(PendingCallRecord call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_gate)
        {
            if (!_calls.TryAdd(call.Id, call))
            {
                throw new InvalidOperationException("A call with this id exists.");
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<PendingCallRecord?> GetCallAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_calls.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> FinishCallAsync(string id, string outcome, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        bool finished;
        lock (_gate)
        {
            finished = _calls.TryGetValue(id, out var call) && call.Outcome is null;
            if (finished)
            {
                _calls[id] = call! with { Outcome = outcome, FinishedAt = finishedAt };
            }
        }

        if (finished)
        {
            Raise(new ConsentSignal(ConsentSignalKind.CallFinished, id));
        }

        return new(finished);
    }

    /// <inheritdoc />
    public ValueTask<bool> TryLeaseCallAsync(string id, string driver, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_calls.TryGetValue(id, out var call) || call.Outcome is not null || (call.LeaseUntil > now && call.Driver != driver))
            {
                return new(false);
            }

            _calls[id] = call with { Driver = driver, LeaseUntil = leaseUntil };
            return new(true);
        }
    }

    /// <inheritdoc />
    public ValueTask RenewLeasesAsync(string driver, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (_calls.TryGetValue(id, out var call) && call.Driver == driver && call.Outcome is null)
                {
                    _calls[id] = call with { LeaseUntil = leaseUntil };
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask PublishAsync(ConsentSignal signal, CancellationToken cancellationToken = default)
    {
        Raise(signal);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        string[] consents;
        string[] calls;
        lock (_gate)
        {
            consents = [.. _consents.Values.Where(c => string.Equals(c.Subject.UserId, userId, StringComparison.Ordinal)).Select(static c => c.Id)];
            calls = [.. _calls.Values.Where(c => string.Equals(c.Owner.UserId, userId, StringComparison.Ordinal)).Select(static c => c.Id)];
            foreach (var id in consents)
            {
                _consents.Remove(id);
            }

            foreach (var id in calls)
            {
                _calls.Remove(id);
            }
        }

        foreach (var id in consents)
        {
            Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, id, userId));
        }

        foreach (var id in calls)
        {
            Raise(new ConsentSignal(ConsentSignalKind.CallFinished, id));
        }

        return new(consents.Length + calls.Length);
    }

    /// <inheritdoc />
    public ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        lock (_gate)
        {
            var consents = _consents.Values
                .Where(c => (c.ClosedAt is { } closed && closed < before) || c.ExpiresAt < before)
                .Select(c => c.Id).Take(batchSize).ToArray();
            foreach (var id in consents)
            {
                _consents.Remove(id);
            }

            var calls = _calls.Values
                .Where(c => (c.FinishedAt is { } finished && finished < before) || c.ExpiresAt < before)
                .Select(c => c.Id).Take(batchSize).ToArray();
            foreach (var id in calls)
            {
                _calls.Remove(id);
            }

            return new(consents.Length + calls.Length);
        }
    }

    private void Raise(ConsentSignal signal) => Signaled?.Invoke(signal);
}
