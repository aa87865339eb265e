using System.Security.Cryptography;

namespace Uni.Authorize.Testing;

/// <summary>
/// The behaviour every <see cref="IAuthCodeStore"/> must have. Derive once per store and implement
/// <see cref="CreateStoreAsync"/>; override the virtual hooks the store can support.
/// </summary>
public abstract class AuthCodeStoreContract : StoreContract<IAuthCodeStore>
{
    /// <summary>A fixed, whole-millisecond instant.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 30, 15, 123, TimeSpan.Zero);

    private static readonly Subject Alice = new("app-1", "alice");

    private static string NewHash() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private protected static AuthCodeRecord Code(string hash, Subject? subject = null, DateTimeOffset? expiresAt = null, params string[] scopes) =>
        new(hash, subject ?? Alice, scopes.Length == 0 ? ["scope.userInfo"] : scopes, T0, expiresAt ?? T0.AddMinutes(5));

    [Fact]
    public async Task RedeemAsync_FreshCodeOfItsApp_RedeemedWithTheStoredRecord()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash(), new Subject("app-1", "用户-42"), T0.AddMinutes(5), "auth_base", "auth_user", "scope.userInfo");
        await Guard(store.AddAsync(code, Ct));

        var redemption = await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0.AddMinutes(1), Ct));

        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, redemption.Status);
        Assert.True(redemption.Succeeded);
        var stored = redemption.Code!;
        Assert.Equal(code.CodeHash, stored.CodeHash);
        Assert.Equal(code.Subject, stored.Subject);
        Assert.Equal(code.Scopes, stored.Scopes);
        Assert.Equal(code.IssuedAt, stored.IssuedAt);
        Assert.Equal(code.ExpiresAt, stored.ExpiresAt);
    }

    [Fact]
    public async Task RedeemAsync_UnknownHash_Invalid()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash());
        await Guard(store.AddAsync(code, Ct));

        var redemption = await Guard(store.RedeemAsync(NewHash(), "app-1", T0, Ct));
        var upper = await Guard(store.RedeemAsync(code.CodeHash.ToUpperInvariant(), "app-1", T0, Ct));

        Assert.Equal(AuthCodeRedemptionStatus.Invalid, redemption.Status);
        Assert.Null(redemption.Code);
        Assert.Equal(AuthCodeRedemptionStatus.Invalid, upper.Status);
        Assert.True((await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0, Ct))).Succeeded);
    }

    [Fact]
    public async Task RedeemAsync_SecondTime_AlreadyUsed()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash());
        await Guard(store.AddAsync(code, Ct));
        await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0, Ct));

        var again = await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0, Ct));

        Assert.Equal(AuthCodeRedemptionStatus.AlreadyUsed, again.Status);
        Assert.False(again.Succeeded);
        Assert.Equal(code.CodeHash, again.Code!.CodeHash);
    }

    [Fact]
    public async Task RedeemAsync_AnotherApp_WrongAppAndItsOwnAppRedeemsItOnce()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash());
        await Guard(store.AddAsync(code, Ct));

        var wrong = await Guard(store.RedeemAsync(code.CodeHash, "app-2", T0, Ct));
        var wrongAgain = await Guard(store.RedeemAsync(code.CodeHash, "app-2", T0, Ct));
        var right = await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0, Ct));
        var rightAgain = await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0, Ct));
        var wrongAfter = await Guard(store.RedeemAsync(code.CodeHash, "app-2", T0, Ct));

        Assert.Equal(AuthCodeRedemptionStatus.WrongApp, wrong.Status);
        Assert.False(wrong.Succeeded);
        Assert.Equal(AuthCodeRedemptionStatus.WrongApp, wrongAgain.Status);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, right.Status);
        Assert.Equal(Alice, right.Code!.Subject);
        Assert.Equal(AuthCodeRedemptionStatus.AlreadyUsed, rightAgain.Status);
        Assert.Equal(AuthCodeRedemptionStatus.WrongApp, wrongAfter.Status);
    }

    [Fact]
    public async Task RedeemAsync_AnotherAppAfterExpiry_WrongAppAndItsOwnAppSeesExpired()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash(), expiresAt: T0.AddMinutes(5));
        await Guard(store.AddAsync(code, Ct));

        var wrong = await Guard(store.RedeemAsync(code.CodeHash, "app-2", T0.AddMinutes(6), Ct));
        var right = await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0.AddMinutes(6), Ct));

        Assert.Equal(AuthCodeRedemptionStatus.WrongApp, wrong.Status);
        Assert.Equal(AuthCodeRedemptionStatus.Expired, right.Status);
    }

    [Fact]
    public async Task RedeemAsync_AppIdDiffersOnlyInCase_WrongAppAndNotUsedUp()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash());
        await Guard(store.AddAsync(code, Ct));

        Assert.Equal(AuthCodeRedemptionStatus.WrongApp, (await Guard(store.RedeemAsync(code.CodeHash, "APP-1", T0, Ct))).Status);
        Assert.True((await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0, Ct))).Succeeded);
    }

    [Fact]
    public async Task RedeemAsync_ConcurrentWrongAndRightApps_OnlyTheRightAppRedeemsOnce()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash());
        await Guard(store.AddAsync(code, Ct));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Guard(store.RedeemAsync(code.CodeHash, i % 2 == 0 ? "app-1" : "app-2", T0, Ct))));

        Assert.Equal(1, attempts.Count(a => a.Status == AuthCodeRedemptionStatus.Redeemed));
        Assert.Equal(7, attempts.Count(a => a.Status == AuthCodeRedemptionStatus.AlreadyUsed));
        Assert.Equal(8, attempts.Count(a => a.Status == AuthCodeRedemptionStatus.WrongApp));
    }

    [Fact]
    public async Task RedeemAsync_AtOrAfterExpiry_ExpiredAndUsedUp()
    {
        var store = await NewStoreAsync();
        var atExpiry = Code(NewHash(), expiresAt: T0.AddMinutes(5));
        var justBefore = Code(NewHash(), expiresAt: T0.AddMinutes(5));
        await Guard(store.AddAsync(atExpiry, Ct));
        await Guard(store.AddAsync(justBefore, Ct));

        var expired = await Guard(store.RedeemAsync(atExpiry.CodeHash, "app-1", T0.AddMinutes(5), Ct));
        var valid = await Guard(store.RedeemAsync(justBefore.CodeHash, "app-1", T0.AddMinutes(5).AddMilliseconds(-1), Ct));
        var after = await Guard(store.RedeemAsync(atExpiry.CodeHash, "app-1", T0, Ct));

        Assert.Equal(AuthCodeRedemptionStatus.Expired, expired.Status);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, valid.Status);
        Assert.Equal(AuthCodeRedemptionStatus.AlreadyUsed, after.Status);
    }

    [Fact]
    public async Task RedeemAsync_HundredParallelRedeemers_ExactlyOneSucceeds()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);
        var code = Code(NewHash());
        await Guard(first.AddAsync(code, Ct));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var redeemers = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await (i % 2 == 0 ? first : second).RedeemAsync(code.CodeHash, "app-1", T0, Ct);
        }, Ct)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(redeemers).WaitAsync(CallTimeout, Ct);

        Assert.Single(results, r => r.Succeeded);
        Assert.Equal(99, results.Count(r => r.Status == AuthCodeRedemptionStatus.AlreadyUsed));
    }

    [Fact]
    public async Task AddAsync_SameHashTwice_ThrowsAndKeepsTheFirst()
    {
        var store = await NewStoreAsync();
        var code = Code(NewHash());
        await Guard(store.AddAsync(code, Ct));

        await ContractAssert.FailsAsync(() => Guard(store.AddAsync(Code(code.CodeHash, new Subject("app-2", "mallory")), Ct)));

        var redemption = await Guard(store.RedeemAsync(code.CodeHash, "app-1", T0, Ct));
        Assert.True(redemption.Succeeded);
        Assert.Equal(Alice, redemption.Code!.Subject);
    }

    [Fact]
    public async Task PruneAsync_ExpiredOrRedeemed_DeletedFreshKept()
    {
        var store = await NewStoreAsync();
        var expired = Code(NewHash(), expiresAt: T0.AddMinutes(1));
        var redeemed = Code(NewHash(), expiresAt: T0.AddMinutes(10));
        var fresh = Code(NewHash(), expiresAt: T0.AddMinutes(10));
        foreach (var code in new[] { expired, redeemed, fresh })
        {
            await Guard(store.AddAsync(code, Ct));
        }

        await Guard(store.RedeemAsync(redeemed.CodeHash, "app-1", T0, Ct));

        var pruned = await Guard(store.PruneAsync(T0.AddMinutes(2), Ct));

        Assert.Equal(2, pruned);
        Assert.Equal(AuthCodeRedemptionStatus.Invalid, (await Guard(store.RedeemAsync(expired.CodeHash, "app-1", T0, Ct))).Status);
        Assert.Equal(AuthCodeRedemptionStatus.Invalid, (await Guard(store.RedeemAsync(redeemed.CodeHash, "app-1", T0, Ct))).Status);
        Assert.True((await Guard(store.RedeemAsync(fresh.CodeHash, "app-1", T0.AddMinutes(2), Ct))).Succeeded);
    }

    [Fact]
    public async Task PruneAsync_MoreFinishedThanTheBatch_DeletesOneBatchPerCall()
    {
        var store = await NewStoreAsync();
        var fresh = Code(NewHash(), expiresAt: T0.AddHours(1));
        await Guard(store.AddAsync(fresh, Ct));
        for (var i = 0; i < 4; i++)
        {
            await Guard(store.AddAsync(Code(NewHash(), expiresAt: T0.AddMinutes(1)), Ct));
        }

        for (var i = 0; i < 3; i++)
        {
            var redeemed = Code(NewHash(), expiresAt: T0.AddHours(1));
            await Guard(store.AddAsync(redeemed, Ct));
            await Guard(store.RedeemAsync(redeemed.CodeHash, "app-1", T0, Ct));
        }

        var batches = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            batches.Add(await Guard(store.PruneAsync(T0.AddMinutes(2), 3, Ct)));
        }

        Assert.Equal([3, 3, 1, 0], batches);
        Assert.True((await Guard(store.RedeemAsync(fresh.CodeHash, "app-1", T0.AddMinutes(2), Ct))).Succeeded);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Guard(store.PruneAsync(T0, 0, Ct)));
    }

    [Fact]
    public async Task EraseUserAsync_CodesOfSeveralUsers_DeletesOnlyTheUsersRedeemedOrNot()
    {
        var store = await NewStoreAsync();
        var other = await SecondAsync(store);
        var (fresh, used, bobs) = (NewHash(), NewHash(), NewHash());
        await Guard(store.AddAsync(Code(fresh), Ct));
        await Guard(store.AddAsync(Code(used, new Subject("app-2", "alice")), Ct));
        await Guard(store.AddAsync(Code(bobs, new Subject("app-1", "bob")), Ct));
        await Guard(store.RedeemAsync(used, "app-2", T0, Ct));

        Assert.Equal(2, await Guard(other.EraseUserAsync("alice", Ct)));

        Assert.Equal(AuthCodeRedemptionStatus.Invalid, (await Guard(store.RedeemAsync(fresh, "app-1", T0, Ct))).Status);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, (await Guard(store.RedeemAsync(bobs, "app-1", T0, Ct))).Status);
        Assert.Equal(0, await Guard(store.EraseUserAsync("alice", Ct)));
    }

    [Fact]
    public async Task RemoveAppCodesAsync_CodesOfSeveralApps_DeletesOnlyTheAppsRedeemedOrNot()
    {
        var store = await NewStoreAsync();
        var other = await SecondAsync(store);
        var (fresh, used, others) = (NewHash(), NewHash(), NewHash());
        await Guard(store.AddAsync(Code(fresh), Ct));
        await Guard(store.AddAsync(Code(used, new Subject("app-1", "bob")), Ct));
        await Guard(store.AddAsync(Code(others, new Subject("app-2", "alice")), Ct));
        await Guard(store.RedeemAsync(used, "app-1", T0, Ct));

        Assert.Equal(2, await Guard(other.RemoveAppCodesAsync("app-1", Ct)));

        Assert.Equal(AuthCodeRedemptionStatus.Invalid, (await Guard(store.RedeemAsync(fresh, "app-1", T0, Ct))).Status);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, (await Guard(store.RedeemAsync(others, "app-2", T0, Ct))).Status);
        Assert.Equal(0, await Guard(store.RemoveAppCodesAsync("app-1", Ct)));
    }
}

/// <summary>
/// The contract of an auth code store that persists codes (a file, a database server): on top of
/// <see cref="AuthCodeStoreContract"/>, what it writes holds the hash of a code and never the code itself.
/// </summary>
public abstract class DurableAuthCodeStoreContract : AuthCodeStoreContract
{
    /// <summary>Everything the store has persisted about codes, as text (rows, or the bytes of its files).</summary>
    protected abstract ValueTask<string?> ReadPersistedTextAsync(IAuthCodeStore store);

    [Fact]
    public async Task AddAsync_IssuedCode_PersistsTheHashButNeverTheCode()
    {
        var store = await NewStoreAsync();
        var plain = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var hash = AuthCodeService.HashCode(plain);
        await Guard(store.AddAsync(Code(hash), Ct));

        var persisted = await ReadPersistedTextAsync(store).AsTask().WaitAsync(CallTimeout, Ct);

        Assert.NotNull(persisted);
        Assert.Contains(hash, persisted, StringComparison.Ordinal);
        Assert.DoesNotContain(plain, persisted, StringComparison.Ordinal);
    }

}
