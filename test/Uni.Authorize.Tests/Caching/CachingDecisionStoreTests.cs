using Microsoft.Extensions.DependencyInjection;
using Uni.Authorize.Testing;

namespace Uni.Authorize.Tests.Caching;

public sealed class CachedInMemoryDecisionStoreContractTests : DecisionStoreContract
{
    protected override ValueTask<IDecisionStore> CreateStoreAsync() =>
        new(new CachingDecisionStore(new InMemoryDecisionStore(), new DecisionCacheOptions { MaxEntries = 4 }));
}

public sealed class CachingDecisionStoreTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly Subject Alice = new("app-1", "alice");
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<Decision> SetAsync(IDecisionStore store, DecisionState state, string scope = "scope.camera")
    {
        var current = await store.GetAsync(Alice, scope, Ct);
        var result = await store.TryWriteAsync(new DecisionWrite(Alice, scope, state, DecisionSource.Settings, T0, null, current?.Version ?? 0), Ct);
        Assert.True(result.Written);
        return result.Current!;
    }

    [Fact]
    public async Task GetAsync_SecondLookup_AnsweredFromMemory()
    {
        var inner = new ObservedDecisionStore(new InMemoryDecisionStore());
        using var cache = new CachingDecisionStore(inner, new DecisionCacheOptions());
        await SetAsync(cache, DecisionState.Granted);
        var readsBefore = inner.Reads;

        var first = await cache.GetAsync(Alice, "scope.camera", Ct);
        var second = await cache.GetAsync(Alice, "scope.camera", Ct);
        var missing = await cache.GetAsync(Alice, "scope.record", Ct);
        var missingAgain = await cache.GetAsync(Alice, "scope.record", Ct);

        Assert.Equal(DecisionState.Granted, first!.State);
        Assert.Same(first, second);
        Assert.Null(missing);
        Assert.Null(missingAgain);
        Assert.Equal(readsBefore + 2, inner.Reads);
    }

    [Fact]
    public async Task PruneExpiredAsync_SomeRowsDeleted_DropsOnlyExpiredEntriesAndKeepsTheRestWarm()
    {
        var inner = new ObservedDecisionStore(new InMemoryDecisionStore());
        using var cache = new CachingDecisionStore(inner, new DecisionCacheOptions());
        await SetAsync(cache, DecisionState.Granted, "scope.camera");
        var expiring = await cache.TryWriteAsync(new DecisionWrite(Alice, "scope.record", DecisionState.Granted, DecisionSource.Prompt, T0, T0.AddMinutes(1), 0), Ct);
        Assert.True(expiring.Written);
        await cache.GetAsync(Alice, "scope.camera", Ct);
        await cache.GetAsync(Alice, "scope.record", Ct);
        var readsBefore = inner.Reads;

        Assert.Equal(1, await cache.PruneExpiredAsync(T0.AddMinutes(2), 10, Ct));

        Assert.Equal(DecisionState.Granted, (await cache.GetAsync(Alice, "scope.camera", Ct))!.State);
        Assert.Equal(readsBefore, inner.Reads);
        Assert.Null(await cache.GetAsync(Alice, "scope.record", Ct));
        Assert.Equal(readsBefore + 1, inner.Reads);
    }

    [Fact]
    public async Task TryWriteAsync_RevokeThroughTheCache_NextLookupSeesDenied()
    {
        using var cache = new CachingDecisionStore(new InMemoryDecisionStore(), new DecisionCacheOptions());
        await SetAsync(cache, DecisionState.Granted);
        Assert.Equal(DecisionState.Granted, (await cache.GetAsync(Alice, "scope.camera", Ct))!.State);

        await SetAsync(cache, DecisionState.Denied);

        Assert.Equal(DecisionState.Denied, (await cache.GetAsync(Alice, "scope.camera", Ct))!.State);
    }

    [Fact]
    public async Task GetAsync_LookupRacingARevoke_DoesNotKeepTheOldGrant()
    {
        var inner = new ObservedDecisionStore(new InMemoryDecisionStore());
        using var cache = new CachingDecisionStore(inner, new DecisionCacheOptions());
        await SetAsync(inner, DecisionState.Granted);
        inner.HoldNextRead();

        var racing = cache.GetAsync(Alice, "scope.camera", Ct).AsTask();
        await inner.ReadStarted.Task.WaitAsync(Timeout, Ct);
        var granted = await inner.GetAsync(Alice, "scope.camera", Ct);
        await cache.TryWriteAsync(new DecisionWrite(Alice, "scope.camera", DecisionState.Denied, DecisionSource.Settings, T0, null, granted!.Version), Ct);
        inner.ReleaseRead();
        Assert.Equal(DecisionState.Granted, (await racing.WaitAsync(Timeout, Ct))!.State);

        Assert.Equal(DecisionState.Denied, (await cache.GetAsync(Alice, "scope.camera", Ct))!.State);
    }

    [Fact]
    public async Task Changed_RemoteRevoke_InvalidatesTheEntry()
    {
        var shared = new InMemoryDecisionStore();
        var feed = new FakeChangeFeed();
        using var cache = new CachingDecisionStore(shared, new DecisionCacheOptions(), feed);
        await SetAsync(shared, DecisionState.Granted);
        Assert.Equal(DecisionState.Granted, (await cache.GetAsync(Alice, "scope.camera", Ct))!.State);

        await SetAsync(shared, DecisionState.Denied);
        feed.Publish(Alice, "scope.camera");

        Assert.Equal(DecisionState.Denied, (await cache.GetAsync(Alice, "scope.camera", Ct))!.State);
    }

    [Fact]
    public async Task GetAsync_FeedUnhealthy_EveryReadGoesToTheStore()
    {
        var inner = new ObservedDecisionStore(new InMemoryDecisionStore());
        var feed = new FakeChangeFeed();
        using var cache = new CachingDecisionStore(inner, new DecisionCacheOptions(), feed);
        await SetAsync(inner, DecisionState.Granted);
        await cache.GetAsync(Alice, "scope.camera", Ct);

        feed.SetHealthy(false);
        await SetAsync(inner, DecisionState.Denied); // a change whose notification is lost
        var readsBefore = inner.Reads;
        var whileLost = await cache.GetAsync(Alice, "scope.camera", Ct);
        await cache.GetAsync(Alice, "scope.camera", Ct);

        Assert.Equal(DecisionState.Denied, whileLost!.State);
        Assert.Equal(readsBefore + 2, inner.Reads);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task HealthChanged_FeedBack_CachesAgainFromAFreshRead()
    {
        var inner = new ObservedDecisionStore(new InMemoryDecisionStore());
        var feed = new FakeChangeFeed();
        using var cache = new CachingDecisionStore(inner, new DecisionCacheOptions(), feed);
        await SetAsync(inner, DecisionState.Granted);
        await cache.GetAsync(Alice, "scope.camera", Ct);
        feed.SetHealthy(false);
        await SetAsync(inner, DecisionState.Denied);

        feed.SetHealthy(true);
        var first = await cache.GetAsync(Alice, "scope.camera", Ct);
        var readsAfterFirst = inner.Reads;
        var second = await cache.GetAsync(Alice, "scope.camera", Ct);

        Assert.Equal(DecisionState.Denied, first!.State);
        Assert.Same(first, second);
        Assert.Equal(readsAfterFirst, inner.Reads);
    }

    [Fact]
    public async Task Constructor_FeedUnhealthyAtStart_DoesNotCache()
    {
        var inner = new ObservedDecisionStore(new InMemoryDecisionStore());
        var feed = new FakeChangeFeed();
        feed.SetHealthy(false);
        using var cache = new CachingDecisionStore(inner, new DecisionCacheOptions(), feed);

        await cache.GetAsync(Alice, "scope.camera", Ct);
        await cache.GetAsync(Alice, "scope.camera", Ct);

        Assert.Equal(2, inner.Reads);
    }

    [Fact]
    public async Task GetAsync_ManyKeys_StaysWithinMaxEntries()
    {
        using var cache = new CachingDecisionStore(new InMemoryDecisionStore(), new DecisionCacheOptions { MaxEntries = 10 });

        for (var i = 0; i < 1000; i++)
        {
            await cache.GetAsync(new Subject("app-1", $"user-{i}"), "scope.camera", Ct);
            Assert.InRange(cache.Count, 1, 10);
        }
    }

    [Fact]
    public async Task GetAsync_CachedHit_AllocatesNothing()
    {
        using var cache = new CachingDecisionStore(new InMemoryDecisionStore(), new DecisionCacheOptions());
        await SetAsync(cache, DecisionState.Granted);
        var lookup = cache.GetAsync(Alice, "scope.camera", Ct);
        Assert.True(lookup.IsCompletedSuccessfully);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            lookup = cache.GetAsync(Alice, "scope.camera", Ct);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(lookup.IsCompletedSuccessfully);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Constructor_MaxEntriesZero_ThrowsNamingTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new CachingDecisionStore(new InMemoryDecisionStore(), new DecisionCacheOptions { MaxEntries = 0 }));
        Assert.Contains("MaxEntries", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddDecisionCache_SettingsRevoke_AuthorizeFailsAtOnce()
    {
        var shared = new InMemoryDecisionStore();
        var services = new ServiceCollection();
        services.AddSingleton<IDecisionStore>(shared);
        services.AddUniAuthorize(o => o.Platform = Platform.WeChat).AddDecisionCache(o => o.MaxEntries = 100);
        await using var provider = services.BuildServiceProvider();
        var authorizer = provider.GetRequiredService<Authorizer>();
        Assert.IsType<CachingDecisionStore>(provider.GetRequiredService<IDecisionStore>());

        await new DecisionManager(authorizer).SetDecisionAsync(Alice, "scope.camera", DecisionState.Granted, cancellationToken: Ct);
        var granted = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, Ct);
        await new DecisionManager(authorizer).SetDecisionAsync(Alice, "scope.camera", DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        var denied = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, Ct);

        Assert.True(granted.Succeeded);
        Assert.Equal(AuthorizeErrorCode.Denied, denied.Error!.Code);
    }

    [Fact]
    public void AddDecisionCache_CalledTwice_ThrowsNamingTheFix()
    {
        var builder = new ServiceCollection().AddUniAuthorize().AddDecisionCache();

        var ex = Assert.Throws<InvalidOperationException>(() => builder.AddDecisionCache());
        Assert.Contains("once", ex.Message, StringComparison.Ordinal);
    }
}
