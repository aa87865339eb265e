using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>
/// A bounded in-memory cache of decision lookups in front of another <see cref="IDecisionStore"/>. It never answers
/// from memory with a decision older than one written since: writes through it invalidate at once, an
/// <see cref="IDecisionChangeFeed"/> invalidates changes made elsewhere, and while the feed is unhealthy every read
/// goes to the store.
/// </summary>
public sealed class CachingDecisionStore : IDecisionStore, IDisposable
{
    private readonly IDecisionStore _inner;
    private readonly IDecisionChangeFeed? _feed;
    private readonly bool _ownsInner;
    private readonly int _maxEntries;
    private readonly ConcurrentDictionary<DecisionKey, Entry> _entries = new();
    private readonly ConcurrentQueue<DecisionKey> _insertionOrder = new();

    // Bumped before every invalidation: a lookup that raced with one does not keep what it read.
    private long _epoch;
    private volatile bool _trusted;

    /// <summary>Caches lookups of <paramref name="inner"/>, invalidated by <paramref name="changeFeed"/> when given.</summary>
    /// <param name="inner">The store that holds the decisions.</param>
    /// <param name="options">The cache size.</param>
    /// <param name="changeFeed">Changes made by other processes; required when other processes write to the same store.</param>
    /// <exception cref="InvalidOperationException"><see cref="DecisionCacheOptions.MaxEntries"/> is less than 1.</exception>
    public CachingDecisionStore(IDecisionStore inner, DecisionCacheOptions options, IDecisionChangeFeed? changeFeed = null)
        : this(inner, options, changeFeed, ownsInner: false)
    {
    }

    internal CachingDecisionStore(IDecisionStore inner, DecisionCacheOptions options, IDecisionChangeFeed? changeFeed, bool ownsInner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        DecisionCacheOptionsValidator.Code.ThrowIfInvalid(options);
        _inner = inner;
        _maxEntries = options.MaxEntries;
        _ownsInner = ownsInner;
        _feed = changeFeed;
        if (_feed is null)
        {
            _trusted = true;
            return;
        }

        // Subscribe before reading health so that no transition is missed.
        _feed.Changed += OnRemoteChange;
        _feed.HealthChanged += OnFeedHealthChanged;
        _trusted = _feed.IsHealthy;
    }

    /// <summary>How many lookups are held now.</summary>
    public int Count => _entries.Count;

    /// <inheritdoc />
    public ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default)
    {
        var key = new DecisionKey(subject.AppId, subject.UserId, scope);
        if (!_trusted)
        {
            return _inner.GetAsync(subject, scope, cancellationToken);
        }

        if (_entries.TryGetValue(key, out var entry))
        {
            return new(entry.Decision);
        }

        var epoch = Volatile.Read(ref _epoch);
        var lookup = _inner.GetAsync(subject, scope, cancellationToken);
        if (!lookup.IsCompletedSuccessfully)
        {
            return FillAsync(lookup, key, epoch);
        }

        var decision = lookup.Result;
        Fill(key, decision, epoch);
        return new(decision);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default) =>
        _inner.ListAsync(subject, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var key = new DecisionKey(write.Subject.AppId, write.Subject.UserId, write.Scope);
        try
        {
            return await _inner.TryWriteAsync(write, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Also after a failure or a conflict: the store may have changed either way.
            Invalidate(key);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default) =>
        _inner.GetAuditAsync(subject, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default) =>
        _inner.ListUserAsync(userId, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default) =>
        _inner.GetUserAuditAsync(userId, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inner.EraseUserAsync(userId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Rare and wide: drop everything rather than hunt for the user's keys.
            Clear();
        }
    }

    /// <inheritdoc />
    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneExpiredAsync(now, int.MaxValue, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        int pruned;
        try
        {
            pruned = await _inner.PruneExpiredAsync(now, batchSize, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The store may have deleted rows before failing.
            Clear();
            throw;
        }

        // Only decisions expired at `now` can have gone: drop those and keep the cache warm for every other lookup
        // (housekeeping prunes in many batches; clearing at each one would send every lookup to the store meanwhile).
        if (pruned > 0)
        {
            DropExpired(now);
        }

        return pruned;
    }

    /// <summary>Drops every cached lookup.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _epoch);
        _entries.Clear();
        _insertionOrder.Clear();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_feed is not null)
        {
            _feed.Changed -= OnRemoteChange;
            _feed.HealthChanged -= OnFeedHealthChanged;
        }

        Clear();
        if (_ownsInner)
        {
            (_inner as IDisposable)?.Dispose();
        }
    }

    private async ValueTask<Decision?> FillAsync(ValueTask<Decision?> lookup, DecisionKey key, long epoch)
    {
        var decision = await lookup.ConfigureAwait(false);
        Fill(key, decision, epoch);
        return decision;
    }

    private void Fill(DecisionKey key, Decision? decision, long epoch)
    {
        var entry = new Entry(decision);
        if (!_trusted || !_entries.TryAdd(key, entry))
        {
            return;
        }

        // An invalidation since the lookup began may have removed the key before this add: undo it.
        if (Volatile.Read(ref _epoch) != epoch || !_trusted)
        {
            _entries.TryRemove(new KeyValuePair<DecisionKey, Entry>(key, entry));
            return;
        }

        _insertionOrder.Enqueue(key);
        while (_insertionOrder.Count > _maxEntries && _insertionOrder.TryDequeue(out var oldest))
        {
            _entries.TryRemove(oldest, out _);
        }
    }

    private void DropExpired(DateTimeOffset now)
    {
        Interlocked.Increment(ref _epoch);
        foreach (var (key, entry) in _entries)
        {
            if (entry.Decision?.ExpiresAt is { } expiresAt && expiresAt <= now)
            {
                _entries.TryRemove(new KeyValuePair<DecisionKey, Entry>(key, entry));
            }
        }
    }

    private void Invalidate(DecisionKey key)
    {
        Interlocked.Increment(ref _epoch);
        _entries.TryRemove(key, out _);
    }

    private void OnRemoteChange(Subject subject, string scope) => Invalidate(new DecisionKey(subject.AppId, subject.UserId, scope));

    private void OnFeedHealthChanged(bool healthy)
    {
        // Distrust first, clear, and trust again only when healthy: changes missed meanwhile are unknown.
        _trusted = false;
        Clear();
        if (healthy && _feed!.IsHealthy)
        {
            _trusted = true;
        }
    }

    private readonly record struct DecisionKey(string AppId, string UserId, string Scope);

    private sealed class Entry(Decision? decision)
    {
        public readonly Decision? Decision = decision;
    }
}
