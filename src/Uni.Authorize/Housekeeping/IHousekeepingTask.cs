namespace Uni.Authorize;

/// <summary>Something housekeeping prunes: expired auth codes, decisions, sessions, or any other source registered as
/// a singleton <see cref="IHousekeepingTask"/>. Every round calls <see cref="PruneAsync"/> repeatedly, with the same
/// <c>now</c>, until a call deletes fewer than <c>batchSize</c> rows.</summary>
public interface IHousekeepingTask
{
    /// <summary>What is pruned, in lower case with underscores (<c>auth_codes</c>): the tag of the pruned-rows counter
    /// and the name in logs.</summary>
    string Name { get; }

    /// <summary>Deletes at most <paramref name="batchSize"/> rows that are finished at <paramref name="now"/>, in one
    /// short step; returns how many went.</summary>
    ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken);
}

/// <summary>Makes one instance at a time prune when several share a store. The default always acquires (one process);
/// <c>AddPostgreSqlStore</c> registers a PostgreSQL advisory lock.</summary>
public interface IHousekeepingLock
{
    /// <summary>Tries to become the instance that prunes now: a lease to dispose when the round is over, or
    /// <see langword="null"/> when another instance holds the lock (this round is skipped).</summary>
    ValueTask<IAsyncDisposable?> TryAcquireAsync(CancellationToken cancellationToken);
}
