namespace Uni.Authorize.Testing;

/// <summary>The behaviour every <see cref="IAccessRecordStore"/> must have. Derive once per store.</summary>
public abstract class AccessRecordStoreContract : StoreContract<IAccessRecordStore>
{
    /// <summary>A fixed, whole-millisecond instant.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, 250, TimeSpan.Zero);

    private const string Location = "scope.userLocation";

    private static AccessRecord Use(string appId, string userId, string api, double hours, string scope = Location) =>
        new(appId, userId, scope, api, T0.AddHours(hours));

    [Fact]
    public async Task AppendAsync_Batch_ListUserReturnsItsRecordsOldestFirst()
    {
        var store = await NewStoreAsync();
        await Guard(store.AppendAsync([Use("app-1", "alice", "getLocation", 2), Use("app-2", "alice", "chooseImage", 1, scope: ""),
            Use("app-1", "bob", "getLocation", 0)], Ct));
        await Guard(store.AppendAsync([], Ct));

        var second = await SecondAsync(store);
        Assert.Equal([Use("app-2", "alice", "chooseImage", 1, scope: ""), Use("app-1", "alice", "getLocation", 2)],
            await Guard(second.ListUserAsync("alice", Ct)));
        Assert.Empty(await Guard(second.ListUserAsync("ALICE", Ct)));
    }

    [Fact]
    public async Task SummarizeUserAsync_PerAppScopeAndApi_CountsTodayTheWindowAndTheLastUse()
    {
        var store = await NewStoreAsync();
        await Guard(store.AppendAsync([
            Use("app-1", "alice", "getLocation", -48), // before the window
            Use("app-1", "alice", "getLocation", -2),
            Use("app-1", "alice", "getLocation", 1),
            Use("app-1", "alice", "getLocation", 3),
            Use("app-1", "alice", "startLocationUpdate", 2),
            Use("app-2", "alice", "scanCode", -3, scope: "scope.camera"),
            Use("app-1", "bob", "getLocation", 2),
        ], Ct));

        var all = await Guard(store.SummarizeUserAsync("alice", null, today: T0, since: T0.AddHours(-24), Ct));

        Assert.Equal(
            [
                new AccessSummary("app-1", Location, "getLocation", 2, 3, T0.AddHours(3)),
                new AccessSummary("app-1", Location, "startLocationUpdate", 1, 1, T0.AddHours(2)),
                new AccessSummary("app-2", "scope.camera", "scanCode", 0, 1, T0.AddHours(-3)),
            ],
            all);
        Assert.Equal(["app-2"], (await Guard(store.SummarizeUserAsync("alice", "app-2", T0, T0.AddHours(-24), Ct))).Select(s => s.AppId));
        Assert.Empty(await Guard(store.SummarizeUserAsync("carol", null, T0, T0.AddHours(-24), Ct)));
    }

    [Fact]
    public async Task AggregateAsync_EveryUser_CountsUsesAndUsersPerAppScopeAndApi()
    {
        var store = await NewStoreAsync();
        await Guard(store.AppendAsync([
            Use("app-1", "alice", "getLocation", 1),
            Use("app-1", "alice", "getLocation", 2),
            Use("app-1", "bob", "getLocation", 4),
            Use("app-1", "bob", "getLocation", -1), // before since
            Use("app-2", "bob", "chooseImage", 1, scope: ""),
        ], Ct));

        Assert.Equal(
            [
                new AccessAggregate("app-1", Location, "getLocation", 3, 2, T0.AddHours(4)),
                new AccessAggregate("app-2", "", "chooseImage", 1, 1, T0.AddHours(1)),
            ],
            await Guard(store.AggregateAsync(null, T0, Ct)));
        Assert.Equal(["app-2"], (await Guard(store.AggregateAsync("app-2", T0, Ct))).Select(a => a.AppId));
    }

    [Fact]
    public async Task PruneAsync_OlderThan_DeletesInBatchesAndKeepsTheRest()
    {
        var store = await NewStoreAsync();
        await Guard(store.AppendAsync([.. Enumerable.Range(0, 5).Select(i => Use("app-1", "alice", "getLocation", -i - 1)),
            Use("app-1", "alice", "getLocation", 0)], Ct));

        Assert.Equal(3, await Guard(store.PruneAsync(T0, 3, Ct)));
        Assert.Equal(2, await Guard(store.PruneAsync(T0, 3, Ct)));
        Assert.Equal(0, await Guard(store.PruneAsync(T0, 3, Ct)));

        Assert.Equal([Use("app-1", "alice", "getLocation", 0)], await Guard(store.ListUserAsync("alice", Ct)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Guard(store.PruneAsync(T0, 0, Ct)));
    }

    [Fact]
    public async Task EraseUserAsync_OneUser_RemovesOnlyTheirRecords()
    {
        var store = await NewStoreAsync();
        await Guard(store.AppendAsync([Use("app-1", "alice", "getLocation", 0), Use("app-2", "alice", "getLocation", 1),
            Use("app-1", "bob", "getLocation", 0)], Ct));

        Assert.Equal(2, await Guard(store.EraseUserAsync("alice", Ct)));
        Assert.Equal(0, await Guard(store.EraseUserAsync("alice", Ct)));

        Assert.Empty(await Guard(store.ListUserAsync("alice", Ct)));
        Assert.Single(await Guard(store.ListUserAsync("bob", Ct)));
    }
}
