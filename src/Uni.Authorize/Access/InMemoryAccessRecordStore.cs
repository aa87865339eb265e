namespace Uni.Authorize;

/// <summary>A process-local <see cref="IAccessRecordStore"/>.</summary>
public sealed class InMemoryAccessRecordStore : IAccessRecordStore
{
    private readonly List<AccessRecord> _records = [];
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public ValueTask AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _records.AddRange(records);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AccessSummary>> SummarizeUserAsync(
        string userId, string? appId, DateTimeOffset today, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new([.. Window(appId, since).Where(r => string.Equals(r.UserId, userId, StringComparison.Ordinal))
                .GroupBy(static r => (r.AppId, r.Scope, r.Api))
                .Select(g => new AccessSummary(g.Key.AppId, g.Key.Scope, g.Key.Api, g.Count(r => r.At >= today), g.Count(), g.Max(static r => r.At)))
                .OrderBy(static s => s.AppId, StringComparer.Ordinal).ThenBy(static s => s.Scope, StringComparer.Ordinal)
                .ThenBy(static s => s.Api, StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AccessAggregate>> AggregateAsync(string? appId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new([.. Window(appId, since)
                .GroupBy(static r => (r.AppId, r.Scope, r.Api))
                .Select(static g => new AccessAggregate(g.Key.AppId, g.Key.Scope, g.Key.Api, g.Count(),
                    g.Select(static r => r.UserId).Distinct(StringComparer.Ordinal).Count(), g.Max(static r => r.At)))
                .OrderBy(static s => s.AppId, StringComparer.Ordinal).ThenBy(static s => s.Scope, StringComparer.Ordinal)
                .ThenBy(static s => s.Api, StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AccessRecord>> ListUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // A stable sort: records of the same instant keep the order they were appended in.
            return new([.. _records.Where(r => string.Equals(r.UserId, userId, StringComparison.Ordinal)).OrderBy(static r => r.At)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var pruned = 0;
            _records.RemoveAll(r => r.At < before && pruned++ < batchSize);
            return new(Math.Min(pruned, batchSize));
        }
    }

    /// <inheritdoc />
    public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return new(_records.RemoveAll(r => string.Equals(r.UserId, userId, StringComparison.Ordinal)));
        }
    }

    private IEnumerable<AccessRecord> Window(string? appId, DateTimeOffset since) =>
        _records.Where(r => r.At >= since && (appId is null || string.Equals(r.AppId, appId, StringComparison.Ordinal)));
}
