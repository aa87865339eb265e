using System.Collections.Frozen;

namespace Uni.Authorize.Testing;

/// <summary>The behaviour every <see cref="IAppManifestStore"/> must have. Derive once per store.</summary>
public abstract class AppManifestStoreContract : StoreContract<IAppManifestStore>
{
    /// <summary>A fixed, whole-millisecond instant.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, 250, TimeSpan.Zero);

    private static AppManifest Manifest(string appId, long version, params (string Scope, string Text, long Version)[] purposes) =>
        new(appId, version, purposes.ToFrozenDictionary(p => p.Scope, p => new DeclaredPurpose(p.Text, p.Version), StringComparer.Ordinal),
            ["getLocation", "chooseAddress"], T0.AddMinutes(version));

    private static void AssertSame(AppManifest expected, AppManifest? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.AppId, actual.AppId);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.UpdatedAt, actual.UpdatedAt);
        Assert.Equal(expected.RequiredPrivateInfos, actual.RequiredPrivateInfos);
        Assert.Equal(expected.Purposes.OrderBy(p => p.Key, StringComparer.Ordinal), actual.Purposes.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetManifestAsync_NothingStored_ReturnsNull()
    {
        var store = await NewStoreAsync();

        Assert.Null(await Guard(store.GetManifestAsync("app-1", Ct)));
    }

    [Fact]
    public async Task TryPutManifestAsync_FirstVersion_StoresEveryField()
    {
        var store = await NewStoreAsync();
        var manifest = Manifest("app-1", 1, ("scope.userLocation", "用于为你推荐附近的门店 — nearby shops", 1), ("scope.camera", "Scan a code", 1));

        Assert.True(await Guard(store.TryPutManifestAsync(manifest, Ct)));

        AssertSame(manifest, await Guard(store.GetManifestAsync("app-1", Ct)));
        AssertSame(manifest, await Guard((await SecondAsync(store)).GetManifestAsync("app-1", Ct)));
        Assert.Null(await Guard(store.GetManifestAsync("APP-1", Ct)));
    }

    [Fact]
    public async Task TryPutManifestAsync_NextVersion_ReplacesPurposesWholly()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryPutManifestAsync(Manifest("app-1", 1, ("scope.userLocation", "old", 1), ("scope.camera", "Scan", 1)), Ct));
        var next = Manifest("app-1", 2, ("scope.userLocation", "new", 2)) with { RequiredPrivateInfos = [] };

        Assert.True(await Guard(store.TryPutManifestAsync(next, Ct)));

        AssertSame(next, await Guard(store.GetManifestAsync("app-1", Ct)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task TryPutManifestAsync_VersionNotNext_FalseAndStoredKept(long version)
    {
        var store = await NewStoreAsync();
        var first = Manifest("app-1", 1, ("scope.camera", "Scan", 1));
        await Guard(store.TryPutManifestAsync(first, Ct));

        Assert.False(await Guard(store.TryPutManifestAsync(Manifest("app-1", version, ("scope.camera", "Other", version)), Ct)));

        AssertSame(first, await Guard(store.GetManifestAsync("app-1", Ct)));
    }

    [Fact]
    public async Task TryPutManifestAsync_LaterVersionWithNoneStored_False()
    {
        var store = await NewStoreAsync();

        Assert.False(await Guard(store.TryPutManifestAsync(Manifest("app-1", 2), Ct)));

        Assert.Null(await Guard(store.GetManifestAsync("app-1", Ct)));
    }

    [Fact]
    public async Task TryPutManifestAsync_ConcurrentFirstVersions_ExactlyOneWins()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Guard((i % 2 == 0 ? store : second).TryPutManifestAsync(Manifest("app-1", 1, ("scope.camera", $"writer {i}", 1)), Ct))));

        Assert.Single(results, r => r);
        Assert.Equal(1, (await Guard(store.GetManifestAsync("app-1", Ct)))!.Version);
    }

    [Fact]
    public async Task TryPutManifestAsync_OtherApps_AreUntouched()
    {
        var store = await NewStoreAsync();
        var other = Manifest("app-2", 1, ("scope.camera", "Scan", 1));
        await Guard(store.TryPutManifestAsync(other, Ct));

        await Guard(store.TryPutManifestAsync(Manifest("app-1", 1, ("scope.record", "Voice notes", 1)), Ct));
        await Guard(store.TryPutManifestAsync(Manifest("app-1", 2), Ct));

        AssertSame(other, await Guard(store.GetManifestAsync("app-2", Ct)));
    }

    [Fact]
    public async Task TryPutManifestAsync_VersionBelowOne_Throws()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TryPutManifestAsync(Manifest("app-1", 0), Ct).AsTask());
    }
}
