namespace Uni.Authorize.Testing;

/// <summary>
/// The behaviour every <see cref="IIdentityStore"/> must have. Derive once per store and implement
/// <see cref="CreateStoreAsync"/>; override <see cref="OpenSecondInstanceAsync"/> when the store can be opened twice.
/// </summary>
public abstract class IdentityStoreContract : StoreContract<IIdentityStore>
{
    /// <summary>A fixed, whole-millisecond instant.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, 123, TimeSpan.Zero);

    private static MiniAppSession Session(char hash, DateTimeOffset expiresAt) =>
        new(new string(hash, 64), "app-1", "u_1", T0, expiresAt);

    [Fact]
    public async Task TryAddAppAsync_NewId_StoresTheAppAndRefusesADuplicate()
    {
        var store = await NewStoreAsync();
        var app = new HostApp("app-1", "第一个应用", Platform.Alipay, new string('a', 64), T0);

        Assert.True(await Guard(store.TryAddAppAsync(app, Ct)));
        Assert.False(await Guard(store.TryAddAppAsync(app with { Name = "other" }, Ct)));

        Assert.Equal(app, await Guard(store.GetAppAsync("app-1", Ct)));
        Assert.Null(await Guard(store.GetAppAsync("APP-1", Ct)));
        Assert.Equal(["app-1"], (await Guard(store.ListAppsAsync(Ct))).Select(a => a.Id));
    }

    [Fact]
    public async Task ListAppsAsync_SeveralApps_OrdinalIdOrderWithEveryPlatform()
    {
        var store = await NewStoreAsync();
        var ids = new[] { "b", "A", "a", "😀", "ü", "_" };
        var platforms = Enum.GetValues<Platform>();
        for (var i = 0; i < ids.Length; i++)
        {
            await Guard(store.TryAddAppAsync(new HostApp(ids[i], "n", platforms[i % platforms.Length], new string('a', 64), T0), Ct));
        }

        var apps = await Guard(store.ListAppsAsync(Ct));

        Assert.Equal(ids.Order(StringComparer.Ordinal), apps.Select(a => a.Id));
        Assert.All(apps, a => Assert.Equal(platforms[Array.IndexOf(ids, a.Id) % platforms.Length], a.Platform));
    }

    [Fact]
    public async Task GetOrAddUserAsync_SameNameTwice_KeepsTheFirstUser()
    {
        var store = await NewStoreAsync();
        var first = await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        var second = await Guard(store.GetOrAddUserAsync(new HostUser("u_2", "alice", T0.AddHours(1)), Ct));

        Assert.Equal(new HostUser("u_1", "alice", T0), first);
        Assert.Equal(first, second);
        Assert.Equal(first, await Guard(store.GetUserAsync("u_1", Ct)));
        Assert.Null(await Guard(store.GetUserAsync("u_2", Ct)));
    }

    [Fact]
    public async Task GetOrAddUserAsync_ManyHostsSameNameAtOnce_OneUserForAll()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);

        var users = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => (i % 2 == 0 ? first : second).GetOrAddUserAsync(new HostUser($"u_{i}", "bob", T0), Ct).AsTask(), Ct))).WaitAsync(CallTimeout, Ct);

        Assert.Single(users.Distinct());
    }

    [Fact]
    public async Task SessionAsync_AddGetRemove_RoundTripByTokenHash()
    {
        var store = await NewStoreAsync();
        var offset = new DateTimeOffset(2026, 11, 24, 20, 0, 0, 456, TimeSpan.FromHours(8));
        var session = new MiniAppSession(new string('b', 64), "app-1", "u_1", offset, offset.AddHours(1));
        await Guard(store.AddSessionAsync(session, Ct));

        var stored = await Guard(store.GetSessionAsync(session.TokenHash, Ct));
        Assert.NotNull(stored);
        Assert.Equal((session.TokenHash, session.AppId, session.UserId), (stored.TokenHash, stored.AppId, stored.UserId));
        Assert.Equal(session.IssuedAt.UtcDateTime, stored.IssuedAt.UtcDateTime);
        Assert.Equal(session.ExpiresAt.UtcDateTime, stored.ExpiresAt.UtcDateTime);
        Assert.True(await Guard(store.RemoveSessionAsync(session.TokenHash, Ct)));
        Assert.False(await Guard(store.RemoveSessionAsync(session.TokenHash, Ct)));
        Assert.Null(await Guard(store.GetSessionAsync(session.TokenHash, Ct)));
    }

    [Fact]
    public async Task AddSessionAsync_SameTokenHashTwice_ThrowsAndKeepsTheFirst()
    {
        var store = await NewStoreAsync();
        var session = Session('c', T0.AddHours(1));
        await Guard(store.AddSessionAsync(session, Ct));

        await ContractAssert.FailsAsync(() => Guard(store.AddSessionAsync(session with { UserId = "mallory" }, Ct)));

        Assert.Equal("u_1", (await Guard(store.GetSessionAsync(session.TokenHash, Ct)))!.UserId);
    }

    [Fact]
    public async Task GetOrAddKeyAsync_Twice_ReturnsTheFirstKeyOnEveryInstance()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);

        var stored = await Guard(first.GetOrAddKeyAsync("k", [1, 2, 3], Ct));
        var again = await Guard(second.GetOrAddKeyAsync("k", [4, 5, 6], Ct));
        var other = await Guard(second.GetOrAddKeyAsync("other", [7], Ct));

        Assert.Equal([1, 2, 3], stored);
        Assert.Equal(stored, again);
        Assert.Equal([7], other);
    }

    [Fact]
    public async Task PruneExpiredSessionsAsync_ExpiredAndLive_DeletesOnlyTheExpired()
    {
        var store = await NewStoreAsync();
        var now = T0.AddHours(2);
        var expiredLongAgo = Session('d', T0);
        var expiresNow = Session('e', now);
        var live = Session('f', now.AddMilliseconds(1));
        foreach (var session in new[] { expiredLongAgo, expiresNow, live })
        {
            await Guard(store.AddSessionAsync(session, Ct));
        }

        var pruned = await Guard(store.PruneExpiredSessionsAsync(now, 100, Ct));

        Assert.Equal(2, pruned);
        Assert.Null(await Guard(store.GetSessionAsync(expiredLongAgo.TokenHash, Ct)));
        Assert.Null(await Guard(store.GetSessionAsync(expiresNow.TokenHash, Ct)));
        Assert.Equal(live.TokenHash, (await Guard(store.GetSessionAsync(live.TokenHash, Ct)))?.TokenHash);
        Assert.Equal(0, await Guard(store.PruneExpiredSessionsAsync(now, 100, Ct)));
    }

    [Fact]
    public async Task PruneExpiredSessionsAsync_MoreExpiredThanTheBatch_DeletesOneBatchPerCall()
    {
        var store = await NewStoreAsync();
        for (var i = 0; i < 7; i++)
        {
            await Guard(store.AddSessionAsync(new MiniAppSession($"expired-{i}", "app-1", "u_1", T0, T0.AddMinutes(i)), Ct));
        }

        await Guard(store.AddSessionAsync(Session('g', T0.AddDays(1)), Ct));
        var now = T0.AddHours(1);

        var batches = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            batches.Add(await Guard(store.PruneExpiredSessionsAsync(now, 3, Ct)));
        }

        Assert.Equal([3, 3, 1, 0], batches);
        Assert.NotNull(await Guard(store.GetSessionAsync(new string('g', 64), Ct)));
    }

    [Fact]
    public async Task PruneExpiredSessionsAsync_BatchSizeBelowOne_Throws()
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Guard(store.PruneExpiredSessionsAsync(T0, 0, Ct)));
    }

    [Fact]
    public async Task EveryCall_CancelledToken_ThrowsOperationCanceledAndChangesNothing()
    {
        var store = await NewStoreAsync();
        await Guard(store.AddSessionAsync(Session('h', T0), Ct));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;
        var app = new HostApp("app-1", "n", Platform.WeChat, new string('a', 64), T0);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.TryAddAppAsync(app, token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.GetAppAsync("app-1", token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.ListAppsAsync(token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.GetUserAsync("u_1", token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.AddSessionAsync(Session('i', T0), token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.GetSessionAsync(new string('h', 64), token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.RemoveSessionAsync(new string('h', 64), token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.PruneExpiredSessionsAsync(T0.AddDays(1), 10, token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.GetOrAddKeyAsync("k", [1], token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.SetProfileAsync("u_1", new HostProfile("n", null), token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.GetProfileAsync("u_1", token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.SetSessionKeyAsync("app-1", "u_1", "k", token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.GetSessionKeyAsync("app-1", "u_1", token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.SetAccessTokenAsync("t", new AccessTokenGrant("app-1", "u_1", T0), token)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Guard(store.FindAccessTokenAsync("t", token)));

        Assert.Empty(await Guard(store.ListAppsAsync(Ct)));
        Assert.Null(await Guard(store.GetUserAsync("u_1", Ct)));
        Assert.NotNull(await Guard(store.GetSessionAsync(new string('h', 64), Ct)));
        Assert.Null(await Guard(store.GetSessionAsync(new string('i', 64), Ct)));
        Assert.Equal([2], await Guard(store.GetOrAddKeyAsync("k", [2], Ct)));
    }

    [Fact]
    public async Task ListUserSessionsAsync_SeveralUsers_OnlyTheUsersSessionsOldestFirst()
    {
        var store = await NewStoreAsync();
        var later = new MiniAppSession(new string('b', 64), "app-2", "u_1", T0.AddMinutes(1), T0.AddHours(1));
        var earlier = new MiniAppSession(new string('a', 64), "app-1", "u_1", T0, T0.AddHours(1));
        await Guard(store.AddSessionAsync(later, Ct));
        await Guard(store.AddSessionAsync(earlier, Ct));
        await Guard(store.AddSessionAsync(new MiniAppSession(new string('c', 64), "app-1", "u_2", T0, T0.AddHours(1)), Ct));

        Assert.Equal([earlier, later], await Guard(store.ListUserSessionsAsync("u_1", Ct)));
        Assert.Empty(await Guard(store.ListUserSessionsAsync("u_3", Ct)));
    }

    [Fact]
    public async Task EraseUserAsync_UserWithSessions_DeletesTheProfileAndEverySessionAndReturnsThem()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        var alice = await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        var bob = await Guard(store.GetOrAddUserAsync(new HostUser("u_2", "bob", T0), Ct));
        var mine = new MiniAppSession(new string('a', 64), "app-1", "u_1", T0, T0.AddHours(1));
        var theirs = new MiniAppSession(new string('c', 64), "app-1", "u_2", T0, T0.AddHours(1));
        await Guard(store.AddSessionAsync(mine, Ct));
        await Guard(store.AddSessionAsync(theirs, Ct));

        var erased = await Guard(second.EraseUserAsync("u_1", Ct));

        Assert.Equal([mine], erased);
        Assert.Null(await Guard(store.GetUserAsync("u_1", Ct)));
        Assert.Null(await Guard(store.GetSessionAsync(mine.TokenHash, Ct)));
        Assert.Empty(await Guard(store.ListUserSessionsAsync("u_1", Ct)));
        Assert.Equal(bob, await Guard(store.GetUserAsync("u_2", Ct)));
        Assert.Equal(theirs, await Guard(store.GetSessionAsync(theirs.TokenHash, Ct)));
        // The name is free again: signing in anew makes a new user.
        var again = await Guard(store.GetOrAddUserAsync(new HostUser("u_3", alice.Name, T0.AddDays(1)), Ct));
        Assert.Equal("u_3", again.Id);
        Assert.Empty(await Guard(store.EraseUserAsync("u_missing", Ct)));
    }

    [Fact]
    public async Task UpdateAppAsync_StoredApp_ReplacesWhatChangesAndKeepsPlatformAndCreation()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        var app = new HostApp("app-1", "第一个应用", Platform.WeChat, new string('a', 64), T0);
        await Guard(store.TryAddAppAsync(app, Ct));
        var changed = app with
        {
            Name = "改名", SecretHash = new string('b', 64), DisabledAt = T0.AddHours(1),
            PrivacyContractName = "《隐私保护指引》", PrivacyContractUrl = "https://example.com/privacy",
            IconLetter = "W", AlipayPublicKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest",
        };

        Assert.True(await Guard(second.UpdateAppAsync(changed with { Platform = Platform.Alipay, CreatedAt = T0.AddDays(1) }, Ct)));

        Assert.Equal(changed, await Guard(store.GetAppAsync("app-1", Ct)));
        Assert.Equal([changed], await Guard(store.ListAppsAsync(Ct)));
        Assert.True(await Guard(store.UpdateAppAsync(app, Ct)));
        Assert.Equal(app, await Guard(store.GetAppAsync("app-1", Ct)));
        Assert.False(await Guard(store.UpdateAppAsync(app with { Id = "app-2" }, Ct)));
        Assert.Null(await Guard(store.GetAppAsync("app-2", Ct)));
    }

    [Fact]
    public async Task TryAddAppAsync_DisabledAppWithContract_RoundTripsEveryField()
    {
        var store = await NewStoreAsync();
        var app = new HostApp("app-1", "n", Platform.WeChat, new string('a', 64), T0)
        {
            DisabledAt = T0.AddMinutes(5), PrivacyContractName = "《指引》", PrivacyContractUrl = "/privacy",
            IconLetter = "天", AlipayPublicKey = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAkey",
        };

        Assert.True(await Guard(store.TryAddAppAsync(app, Ct)));

        Assert.Equal(app, await Guard(store.GetAppAsync("app-1", Ct)));
    }

    [Fact]
    public async Task RemoveAppSessionsAsync_SessionsOfSeveralApps_DeletesOnlyTheAppsAndReturnsThem()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        var first = new MiniAppSession(new string('a', 64), "app-1", "u_1", T0, T0.AddHours(1));
        var another = new MiniAppSession(new string('b', 64), "app-1", "u_2", T0.AddMinutes(1), T0.AddHours(1));
        var other = new MiniAppSession(new string('c', 64), "app-2", "u_1", T0, T0.AddHours(1));
        foreach (var session in new[] { another, first, other })
        {
            await Guard(store.AddSessionAsync(session, Ct));
        }

        var removed = await Guard(second.RemoveAppSessionsAsync("app-1", Ct));

        Assert.Equal([first, another], removed.OrderBy(s => s.IssuedAt));
        Assert.Null(await Guard(store.GetSessionAsync(first.TokenHash, Ct)));
        Assert.Null(await Guard(store.GetSessionAsync(another.TokenHash, Ct)));
        Assert.Equal(other, await Guard(store.GetSessionAsync(other.TokenHash, Ct)));
        Assert.Empty(await Guard(store.RemoveAppSessionsAsync("app-1", Ct)));
    }

    [Fact]
    public async Task FindUsersAsync_IdOrNamePrefix_IdMatchFirstThenNamesInOrdinalOrderUpToTheLimit()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        foreach (var (id, name) in new[] { ("u_1", "alice"), ("u_2", "Alicia"), ("u_3", "alina"), ("al", "zed"), ("u_5", "张三"), ("u_6", "bob") })
        {
            await Guard(store.GetOrAddUserAsync(new HostUser(id, name, T0), Ct));
        }

        Assert.Equal(["al", "u_1", "u_3"], (await Guard(second.FindUsersAsync("al", 10, Ct))).Select(u => u.Id));
        Assert.Equal(["al", "u_1"], (await Guard(second.FindUsersAsync("al", 2, Ct))).Select(u => u.Id));
        Assert.Equal(["u_2"], (await Guard(second.FindUsersAsync("Ali", 10, Ct))).Select(u => u.Id));
        Assert.Equal([new HostUser("u_5", "张三", T0)], await Guard(second.FindUsersAsync("张", 10, Ct)));
        Assert.Equal(["u_6"], (await Guard(second.FindUsersAsync("u_6", 10, Ct))).Select(u => u.Id));
        Assert.Empty(await Guard(second.FindUsersAsync("%", 10, Ct)));
        Assert.Empty(await Guard(second.FindUsersAsync("_", 10, Ct)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Guard(store.FindUsersAsync("a", 0, Ct)));
    }

    [Fact]
    public async Task SetProfileAsync_StoredUser_ReplacesTheProfileOnEveryInstance()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        await Guard(store.GetOrAddUserAsync(new HostUser("u_2", "bob", T0), Ct));

        Assert.Null(await Guard(store.GetProfileAsync("u_1", Ct)));
        Assert.True(await Guard(store.SetProfileAsync("u_1", new HostProfile("小明 😀", "https://example.com/a.png"), Ct)));
        Assert.True(await Guard(second.SetProfileAsync("u_1", new HostProfile("小明", null), Ct)));
        Assert.True(await Guard(store.SetProfileAsync("u_2", new HostProfile("bob", "https://example.com/b.png"), Ct)));

        Assert.Equal(new HostProfile("小明", null), await Guard(store.GetProfileAsync("u_1", Ct)));
        Assert.Equal(new HostProfile("bob", "https://example.com/b.png"), await Guard(second.GetProfileAsync("u_2", Ct)));
    }

    [Fact]
    public async Task SetProfileAsync_UnknownUser_ReturnsFalseAndStoresNothing()
    {
        var store = await NewStoreAsync();

        Assert.False(await Guard(store.SetProfileAsync("u_missing", new HostProfile("n", null), Ct)));

        Assert.Null(await Guard(store.GetProfileAsync("u_missing", Ct)));
    }

    [Fact]
    public async Task SetSessionKeyAsync_SecondExchange_ReplacesTheKeyOfThatAppAndUserOnly()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        await Guard(store.GetOrAddUserAsync(new HostUser("u_2", "bob", T0), Ct));

        await Guard(store.SetSessionKeyAsync("app-1", "u_1", "first", Ct));
        await Guard(store.SetSessionKeyAsync("app-2", "u_1", "other-app", Ct));
        await Guard(store.SetSessionKeyAsync("app-1", "u_2", "other-user", Ct));
        await Guard(second.SetSessionKeyAsync("app-1", "u_1", "second", Ct));

        Assert.Equal("second", await Guard(store.GetSessionKeyAsync("app-1", "u_1", Ct)));
        Assert.Equal("other-app", await Guard(store.GetSessionKeyAsync("app-2", "u_1", Ct)));
        Assert.Equal("other-user", await Guard(store.GetSessionKeyAsync("app-1", "u_2", Ct)));
        Assert.Null(await Guard(store.GetSessionKeyAsync("app-3", "u_1", Ct)));
    }

    [Fact]
    public async Task ReplaceSessionKeyAsync_StillTheExpectedKey_ReplacesItOnlyThen()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        await Guard(store.SetSessionKeyAsync("app-1", "u_1", "plain", Ct));
        await Guard(store.SetSessionKeyAsync("app-2", "u_1", "plain", Ct));

        var replaced = await Guard(second.ReplaceSessionKeyAsync("app-1", "u_1", "plain", "sealed", Ct));
        var stale = await Guard(store.ReplaceSessionKeyAsync("app-1", "u_1", "plain", "older", Ct));
        var missing = await Guard(store.ReplaceSessionKeyAsync("app-3", "u_1", "plain", "sealed", Ct));

        Assert.True(replaced);
        Assert.False(stale);
        Assert.False(missing);
        Assert.Equal("sealed", await Guard(store.GetSessionKeyAsync("app-1", "u_1", Ct)));
        Assert.Equal("plain", await Guard(store.GetSessionKeyAsync("app-2", "u_1", Ct)));
        Assert.Null(await Guard(store.GetSessionKeyAsync("app-3", "u_1", Ct)));
    }

    [Fact]
    public async Task ReplaceKeyAsync_StillTheExpectedBytes_ReplacesItOnlyThen()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        await Guard(store.GetOrAddKeyAsync("k", [1, 2, 3], Ct));
        await Guard(store.GetOrAddKeyAsync("other", [1, 2, 3], Ct));

        var replaced = await Guard(second.ReplaceKeyAsync("k", [1, 2, 3], [9, 9, 9, 9], Ct));
        var stale = await Guard(store.ReplaceKeyAsync("k", [1, 2, 3], [5], Ct));
        var missing = await Guard(store.ReplaceKeyAsync("none", [1, 2, 3], [5], Ct));

        Assert.True(replaced);
        Assert.False(stale);
        Assert.False(missing);
        Assert.Equal([9, 9, 9, 9], await Guard(store.GetOrAddKeyAsync("k", [0], Ct)));
        Assert.Equal([1, 2, 3], await Guard(second.GetOrAddKeyAsync("other", [0], Ct)));
    }

    [Fact]
    public async Task SetSessionKeyAsync_UnknownUser_StoresNothing()
    {
        var store = await NewStoreAsync();

        await Guard(store.SetSessionKeyAsync("app-1", "u_missing", "key", Ct));

        Assert.Null(await Guard(store.GetSessionKeyAsync("app-1", "u_missing", Ct)));
    }

    [Fact]
    public async Task EraseUserAsync_UserWithProfileAndSessionKeys_DeletesThemAndKeepsOtherUsers()
    {
        var store = await NewStoreAsync();
        await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        await Guard(store.GetOrAddUserAsync(new HostUser("u_2", "bob", T0), Ct));
        await Guard(store.SetProfileAsync("u_1", new HostProfile("alice", null), Ct));
        await Guard(store.SetProfileAsync("u_2", new HostProfile("bob", null), Ct));
        await Guard(store.SetSessionKeyAsync("app-1", "u_1", "mine", Ct));
        await Guard(store.SetSessionKeyAsync("app-1", "u_2", "theirs", Ct));

        await Guard(store.EraseUserAsync("u_1", Ct));

        Assert.Null(await Guard(store.GetProfileAsync("u_1", Ct)));
        Assert.Null(await Guard(store.GetSessionKeyAsync("app-1", "u_1", Ct)));
        Assert.Equal(new HostProfile("bob", null), await Guard(store.GetProfileAsync("u_2", Ct)));
        Assert.Equal("theirs", await Guard(store.GetSessionKeyAsync("app-1", "u_2", Ct)));
        // A user signing in again under the erased name starts without the old profile.
        await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0.AddDays(1)), Ct));
        Assert.Null(await Guard(store.GetProfileAsync("u_1", Ct)));
    }

    [Fact]
    public async Task SetAccessTokenAsync_SecondExchange_ReplacesTheTokenOfThatAppAndUserOnly()
    {
        var store = await NewStoreAsync();
        var second = await SecondAsync(store);
        await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        await Guard(store.GetOrAddUserAsync(new HostUser("u_2", "bob", T0), Ct));
        var expires = T0.AddDays(15);

        await Guard(store.SetAccessTokenAsync("hash-first", new AccessTokenGrant("app-1", "u_1", expires), Ct));
        await Guard(store.SetAccessTokenAsync("hash-other-app", new AccessTokenGrant("app-2", "u_1", expires), Ct));
        await Guard(store.SetAccessTokenAsync("hash-other-user", new AccessTokenGrant("app-1", "u_2", expires), Ct));
        await Guard(second.SetAccessTokenAsync("hash-second", new AccessTokenGrant("app-1", "u_1", expires.AddHours(1)), Ct));

        Assert.Null(await Guard(store.FindAccessTokenAsync("hash-first", Ct)));
        Assert.Equal(new AccessTokenGrant("app-1", "u_1", expires.AddHours(1)), await Guard(store.FindAccessTokenAsync("hash-second", Ct)));
        Assert.Equal(new AccessTokenGrant("app-2", "u_1", expires), await Guard(store.FindAccessTokenAsync("hash-other-app", Ct)));
        Assert.Equal(new AccessTokenGrant("app-1", "u_2", expires), await Guard(store.FindAccessTokenAsync("hash-other-user", Ct)));
        Assert.Null(await Guard(store.FindAccessTokenAsync("hash-unknown", Ct)));
    }

    [Fact]
    public async Task SetAccessTokenAsync_UnknownUser_StoresNothing()
    {
        var store = await NewStoreAsync();

        await Guard(store.SetAccessTokenAsync("hash", new AccessTokenGrant("app-1", "u_missing", T0.AddDays(1)), Ct));

        Assert.Null(await Guard(store.FindAccessTokenAsync("hash", Ct)));
    }

    [Fact]
    public async Task EraseUserAsync_UserWithAccessTokens_DeletesThemAndKeepsOtherUsers()
    {
        var store = await NewStoreAsync();
        await Guard(store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct));
        await Guard(store.GetOrAddUserAsync(new HostUser("u_2", "bob", T0), Ct));
        await Guard(store.SetAccessTokenAsync("mine", new AccessTokenGrant("app-1", "u_1", T0.AddDays(1)), Ct));
        await Guard(store.SetAccessTokenAsync("theirs", new AccessTokenGrant("app-1", "u_2", T0.AddDays(1)), Ct));

        await Guard(store.EraseUserAsync("u_1", Ct));

        Assert.Null(await Guard(store.FindAccessTokenAsync("mine", Ct)));
        Assert.NotNull(await Guard(store.FindAccessTokenAsync("theirs", Ct)));
    }
}
