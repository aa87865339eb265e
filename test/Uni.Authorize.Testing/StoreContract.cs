namespace Uni.Authorize.Testing;

/// <summary>
/// What every store contract suite shares: a new isolated store per test (<see cref="CreateStoreAsync"/>), an optional
/// second instance over the same data (<see cref="OpenSecondInstanceAsync"/>: another connection pool, another host),
/// calls guarded by a timeout so that a hang fails the test, and disposal of every store the test opened.
/// </summary>
/// <typeparam name="TStore">The store abstraction under test.</typeparam>
public abstract class StoreContract<TStore> : IAsyncDisposable
    where TStore : class
{
    /// <summary>The longest any single store call may take before the test fails instead of hanging.</summary>
    protected static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly List<object> _created = [];

    /// <summary>Cancelled when the test run is aborted.</summary>
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store, isolated from every other test.</summary>
    protected abstract ValueTask<TStore> CreateStoreAsync();

    /// <summary>A second store instance over the same data as <paramref name="first"/>; the default is
    /// <paramref name="first"/> itself.</summary>
    protected virtual ValueTask<TStore> OpenSecondInstanceAsync(TStore first) => new(first);

    /// <summary>Disposes every store created by this test, last opened first.</summary>
    public virtual async ValueTask DisposeAsync()
    {
        foreach (var created in Enumerable.Reverse(_created))
        {
            switch (created)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }

        GC.SuppressFinalize(this);
    }

    private protected async Task<TStore> NewStoreAsync()
    {
        var store = await CreateStoreAsync().AsTask().WaitAsync(CallTimeout, Ct);
        _created.Add(store);
        return store;
    }

    private protected async Task<TStore> SecondAsync(TStore first)
    {
        var second = await OpenSecondInstanceAsync(first).AsTask().WaitAsync(CallTimeout, Ct);
        if (!ReferenceEquals(second, first))
        {
            _created.Add(second);
        }

        return second;
    }

    private protected static Task<T> Guard<T>(ValueTask<T> pending) => pending.AsTask().WaitAsync(CallTimeout, Ct);

    private protected static Task Guard(ValueTask pending) => pending.AsTask().WaitAsync(CallTimeout, Ct);
}
