namespace Uni.Authorize;

/// <summary>A process-local <see cref="IWebhookStore"/>. Give the same instance to <see cref="InMemoryDecisionStore"/> and
/// <see cref="InMemoryIdentityStore"/> so that their changes land in its outbox.</summary>
public sealed class InMemoryWebhookStore : IWebhookStore
{
    private readonly Dictionary<string, WebhookEndpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly List<(long Sequence, WebhookEvent Event)> _outbox = [];
    private readonly Lock _gate = new();
    private long _sequence;
    private readonly TimeProvider _time;
    private (string Holder, DateTimeOffset Until)? _lease;

    /// <summary>A store whose events without a time of their own (erasures, revoked sessions) are stamped by <paramref name="time"/>
    /// (default: the system clock).</summary>
    public InMemoryWebhookStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<WebhookEndpoint?> GetEndpointAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_endpoints.GetValueOrDefault(appId));
        }
    }

    /// <inheritdoc />
    public ValueTask SetEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _endpoints[endpoint.AppId] = endpoint;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveEndpointAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _outbox.RemoveAll(e => string.Equals(e.Event.AppId, appId, StringComparison.Ordinal));
            return new(_endpoints.Remove(appId));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<WebhookEvent>> ListDueAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new([.. _outbox.Where(e => e.Event.NextAttemptAt <= now).OrderBy(static e => e.Event.OccurredAt).ThenBy(static e => e.Sequence)
                .Take(batchSize).Select(static e => e.Event)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_outbox.RemoveAll(e => string.Equals(e.Event.Id, eventId, StringComparison.Ordinal)) > 0);
        }
    }

    /// <inheritdoc />
    public ValueTask RetryAsync(string eventId, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var index = _outbox.FindIndex(e => string.Equals(e.Event.Id, eventId, StringComparison.Ordinal));
            if (index >= 0)
            {
                var (sequence, pending) = _outbox[index];
                _outbox[index] = (sequence, pending with { Attempts = pending.Attempts + 1, NextAttemptAt = nextAttemptAt });
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<int> ForgetUserAsync(string userId, Func<string, CancellationToken, ValueTask<string>> openIdOf, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(openIdOf);
        cancellationToken.ThrowIfCancellationRequested();
        string[] apps;
        lock (_gate)
        {
            apps = [.. _outbox.Where(e => IsErasureOf(e.Event, userId)).Select(static e => e.Event.AppId).Distinct(StringComparer.Ordinal)];
        }

        var openIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var app in apps)
        {
            openIds[app] = await openIdOf(app, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            for (var i = 0; i < _outbox.Count; i++)
            {
                var (sequence, pending) = _outbox[i];
                if (IsErasureOf(pending, userId) && openIds.TryGetValue(pending.AppId, out var openId))
                {
                    _outbox[i] = (sequence, pending with { UserId = string.Empty, OpenId = openId });
                }
            }

            return _outbox.RemoveAll(e => string.Equals(e.Event.UserId, userId, StringComparison.Ordinal));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryAcquireLeaseAsync(string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_lease is { } lease && lease.Until > now && !string.Equals(lease.Holder, holder, StringComparison.Ordinal))
            {
                return new(false);
            }

            _lease = (holder, until);
            return new(true);
        }
    }

    private static bool IsErasureOf(WebhookEvent pending, string userId) =>
        pending.Kind == WebhookEventKind.UserErased && string.Equals(pending.UserId, userId, StringComparison.Ordinal);

    // Called by the in-memory stores while they hold their own write lock, which makes the change and its event one step.
    internal void Enqueue(string appId, string userId, WebhookEventKind kind, string? scope, DateTimeOffset? at = null)
    {
        var when = at ?? _time.GetUtcNow();
        lock (_gate)
        {
            if (_endpoints.ContainsKey(appId))
            {
                _outbox.Add((++_sequence, new WebhookEvent(WebhookEvents.NewId(), appId, userId, kind, scope, when) { NextAttemptAt = when }));
            }
        }
    }
}
