namespace Uni.Authorize;

/// <summary>Expired or redeemed auth codes in the store the engine uses.</summary>
internal sealed class AuthCodesHousekeepingTask(AuthorizeEngine engine) : IHousekeepingTask
{
    public string Name => "auth_codes";

    public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        engine.AuthCodes.PruneAsync(now, batchSize, cancellationToken);
}

/// <summary>Expired decisions in the store the engine uses (through its cache, if any).</summary>
internal sealed class DecisionsHousekeepingTask(AuthorizeEngine engine) : IHousekeepingTask
{
    public string Name => "decisions";

    public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        engine.Store.PruneExpiredAsync(now, batchSize, cancellationToken);
}

/// <summary>Expired mini-app sessions, when an <see cref="IIdentityStore"/> is registered.</summary>
internal sealed class SessionsHousekeepingTask(IServiceProvider services) : IHousekeepingTask
{
    public string Name => "sessions";

    public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        services.GetService(typeof(IIdentityStore)) is IIdentityStore store
            ? store.PruneExpiredSessionsAsync(now, batchSize, cancellationToken)
            : new(0);
}

/// <summary>One process: always acquired.</summary>
internal sealed class InProcessHousekeepingLock : IHousekeepingLock
{
    private static readonly ValueTask<IAsyncDisposable?> Acquired = new(new Lease());

    public ValueTask<IAsyncDisposable?> TryAcquireAsync(CancellationToken cancellationToken) => Acquired;

    private sealed class Lease : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
