namespace Uni.Authorize.Testing;

/// <summary>
/// The behaviour every <see cref="IConsentStore"/> must have. Derive once per store and implement
/// <see cref="CreateStoreAsync"/>; a shared store also implements <see cref="OpenSecondInstanceAsync"/> so that the
/// tests see one instance's changes and signals from another.
/// </summary>
public abstract class ConsentStoreContract : StoreContract<IConsentStore>
{
    /// <summary>A fixed, whole-millisecond instant.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 30, 15, 123, TimeSpan.Zero);

    private static readonly Subject Alice = new("app-1", "alice");

    [Fact]
    public async Task OpenConsent_SameSubjectAndScopesOnTwoInstances_OpensOneConsent()
    {
        var (a, b) = await TwoInstancesAsync();
        var first = await a.OpenConsentAsync(Consent("c1", Alice, ["scope.userLocation", "scope.camera"]), Ct);
        var second = await b.OpenConsentAsync(Consent("c2", Alice, ["scope.camera", "scope.userLocation"]), Ct);

        Assert.Equal("c1", first.Id);
        Assert.Equal("c1", second.Id);
        Assert.Single(await b.ListOpenConsentsAsync(Alice.UserId, T0, Ct));
    }

    [Fact]
    public async Task OpenConsent_ConcurrentFirstCalls_AllGetTheSameConsent()
    {
        var (a, b) = await TwoInstancesAsync();
        var opened = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? a : b).OpenConsentAsync(Consent("race-" + i, Alice, ["scope.record"]), Ct).AsTask()));

        Assert.Single(opened.Select(c => c.Id).Distinct());
        Assert.Single(await a.ListOpenConsentsAsync(Alice.UserId, T0, Ct));
    }

    [Fact]
    public async Task OpenConsent_OtherScopesOrSubject_OpensAnother()
    {
        var store = await NewStoreAsync();
        await store.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]), Ct);
        await store.OpenConsentAsync(Consent("c2", Alice, ["scope.camera"]), Ct);
        await store.OpenConsentAsync(Consent("c3", new Subject("app-2", "alice"), ["scope.record"]), Ct);
        await store.OpenConsentAsync(Consent("c4", new Subject("app-1", "bob"), ["scope.record"]), Ct);

        Assert.Equal(["c1", "c2", "c3"], (await store.ListOpenConsentsAsync("alice", T0, Ct)).Select(c => c.Id));
        Assert.Equal(["c4"], (await store.ListOpenConsentsAsync("bob", T0, Ct)).Select(c => c.Id));
    }

    [Fact]
    public async Task CountOpenConsentsAsync_OpenClosedAndExpired_CountsOnlyTheOpenOfEveryUser()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]) with { ExpiresAt = T0.AddHours(1) }, Ct);
        await a.OpenConsentAsync(Consent("c2", new Subject("app-1", "bob"), ["scope.record"]) with { ExpiresAt = T0.AddHours(1) }, Ct);
        await a.OpenConsentAsync(Consent("c3", Alice, ["scope.camera"]) with { ExpiresAt = T0.AddHours(1) }, Ct);
        await a.OpenConsentAsync(Consent("c4", Alice, ["scope.userLocation"]) with { ExpiresAt = T0.AddMinutes(1) }, Ct);
        await a.CloseConsentAsync("c3", "allow", T0, Ct);

        Assert.Equal(3, await b.CountOpenConsentsAsync(T0, Ct));
        Assert.Equal(2, await b.CountOpenConsentsAsync(T0.AddMinutes(1), Ct));
        Assert.Equal(0, await b.CountOpenConsentsAsync(T0.AddHours(1), Ct));
    }

    [Fact]
    public async Task OpenConsent_OpenOnePastItsExpiry_ClosesItAndOpensTheNew()
    {
        var store = await NewStoreAsync();
        await store.OpenConsentAsync(Consent("old", Alice, ["scope.record"]), Ct);
        var later = T0.AddMinutes(5);
        var opened = await store.OpenConsentAsync(Consent("new", Alice, ["scope.record"]) with { CreatedAt = later, ExpiresAt = later.AddMinutes(2) }, Ct);

        Assert.Equal("new", opened.Id);
        Assert.NotNull((await store.GetConsentAsync("old", Ct))!.ClosedAt);
    }

    [Fact]
    public async Task ListOpenConsents_ClosedOrExpired_LeavesThemOut()
    {
        var store = await NewStoreAsync();
        await store.OpenConsentAsync(Consent("closed", Alice, ["scope.record"]), Ct);
        await store.OpenConsentAsync(Consent("open", Alice, ["scope.camera"]), Ct);
        await store.CloseConsentAsync("closed", "allow", T0.AddSeconds(1), Ct);

        Assert.Equal(["open"], (await store.ListOpenConsentsAsync(Alice.UserId, T0.AddSeconds(1), Ct)).Select(c => c.Id));
        Assert.Empty(await store.ListOpenConsentsAsync(Alice.UserId, T0.AddMinutes(3), Ct));
    }

    [Fact]
    public async Task CloseConsent_TwoAnswers_FirstWinsAndIsKept()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]), Ct);

        Assert.True(await b.CloseConsentAsync("c1", "allow", T0.AddSeconds(1), Ct));
        Assert.False(await a.CloseConsentAsync("c1", "deny", T0.AddSeconds(2), Ct));
        var closed = await a.GetConsentAsync("c1", Ct);
        Assert.Equal("allow", closed!.Answer);
        Assert.Equal(T0.AddSeconds(1), closed.ClosedAt);
        Assert.Equal(["scope.record"], closed.Scopes);
    }

    [Fact]
    public async Task GetConsent_AnsweredThenAskedAgain_KeepsItsAnswerOnEveryInstanceUntilPrunedPastItsClose()
    {
        // A retried answer is recognised by the answer kept with the consent, on whichever instance the retry reaches.
        var (a, b) = await TwoInstancesAsync();
        await a.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]), Ct);
        Assert.True(await a.CloseConsentAsync("c1", "deny", T0.AddSeconds(1), Ct));
        var later = T0.AddSeconds(2);
        await b.OpenConsentAsync(Consent("c2", Alice, ["scope.record"]) with { CreatedAt = later, ExpiresAt = later.AddMinutes(2) }, Ct);

        Assert.Equal(0, await b.PruneAsync(T0.AddSeconds(1), 10, Ct));
        var kept = await b.GetConsentAsync("c1", Ct);
        Assert.Equal(("deny", T0.AddSeconds(1)), (kept!.Answer, kept.ClosedAt));
        Assert.False(await b.CloseConsentAsync("c1", "allow", T0.AddSeconds(3), Ct));
        Assert.Equal("deny", (await a.GetConsentAsync("c1", Ct))!.Answer);

        Assert.Equal(1, await a.PruneAsync(T0.AddSeconds(1).AddMilliseconds(1), 10, Ct));
        Assert.Null(await b.GetConsentAsync("c1", Ct));
        Assert.NotNull(await b.GetConsentAsync("c2", Ct));
    }

    [Fact]
    public async Task CloseConsent_Withdrawn_HasNoAnswer()
    {
        var store = await NewStoreAsync();
        await store.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]), Ct);

        Assert.True(await store.CloseConsentAsync("c1", null, T0.AddSeconds(1), Ct));
        Assert.Null((await store.GetConsentAsync("c1", Ct))!.Answer);
        Assert.False(await store.CloseConsentAsync("missing", "allow", T0, Ct));
    }

    [Fact]
    public async Task ReleaseConsent_TwoWaitersOnTwoInstances_ClosesWhenTheLastLeaves()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]), Ct);
        var joined = await b.OpenConsentAsync(Consent("c2", Alice, ["scope.record"]), Ct);
        Assert.Equal(2, joined.Waiters);

        Assert.False(await a.ReleaseConsentAsync("c1", T0.AddSeconds(1), Ct));
        Assert.Single(await b.ListOpenConsentsAsync(Alice.UserId, T0.AddSeconds(1), Ct));
        var closed = Expect(a, s => s is { Kind: ConsentSignalKind.ConsentChanged, Id: "c1", UserId: "alice" });
        Assert.True(await b.ReleaseConsentAsync("c1", T0.AddSeconds(2), Ct));
        await closed.WaitAsync(CallTimeout, Ct);

        var consent = await a.GetConsentAsync("c1", Ct);
        Assert.Equal(T0.AddSeconds(2), consent!.ClosedAt);
        Assert.Null(consent.Answer);
        Assert.Empty(await a.ListOpenConsentsAsync(Alice.UserId, T0.AddSeconds(2), Ct));
    }

    [Fact]
    public async Task ReleaseConsent_AnsweredOrMissing_ChangesNothing()
    {
        var store = await NewStoreAsync();
        await store.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]), Ct);
        await store.CloseConsentAsync("c1", "allow", T0.AddSeconds(1), Ct);

        Assert.False(await store.ReleaseConsentAsync("c1", T0.AddSeconds(2), Ct));
        Assert.False(await store.ReleaseConsentAsync("missing", T0, Ct));
        Assert.Equal("allow", (await store.GetConsentAsync("c1", Ct))!.Answer);
    }

    [Fact]
    public async Task Signaled_ConsentOpenedAndClosedOnOneInstance_ReachesTheOther()
    {
        var (a, b) = await TwoInstancesAsync();
        var opened = Expect(b, s => s is { Kind: ConsentSignalKind.ConsentChanged, Id: "c1", UserId: "alice" });
        await a.OpenConsentAsync(Consent("c1", Alice, ["scope.record"]), Ct);
        await opened.WaitAsync(CallTimeout, Ct);

        var closed = Expect(b, s => s is { Kind: ConsentSignalKind.ConsentChanged, Id: "c1" });
        await a.CloseConsentAsync("c1", "allow", T0, Ct);
        await closed.WaitAsync(CallTimeout, Ct);
    }

    [Fact]
    public async Task Signaled_CallFinishedAndPublishedSignals_ReachTheOtherInstance()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.AddCallAsync(Call("k1", "driver-a"), Ct);
        var finished = Expect(b, s => s is { Kind: ConsentSignalKind.CallFinished, Id: "k1" });
        await a.FinishCallAsync("k1", "{\"status\":\"ok\"}", T0, Ct);
        await finished.WaitAsync(CallTimeout, Ct);

        var revoked = Expect(b, s => s is { Kind: ConsentSignalKind.SessionRevoked, Id: "hash-1" });
        await a.PublishAsync(new ConsentSignal(ConsentSignalKind.SessionRevoked, "hash-1"), Ct);
        await revoked.WaitAsync(CallTimeout, Ct);
    }

    [Fact]
    public async Task FinishCall_TwoOutcomes_FirstWins()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.AddCallAsync(Call("k1", "driver-a"), Ct);

        Assert.Null((await b.GetCallAsync("k1", Ct))!.Outcome);
        Assert.True(await b.FinishCallAsync("k1", "first", T0.AddSeconds(1), Ct));
        Assert.False(await a.FinishCallAsync("k1", "second", T0.AddSeconds(2), Ct));
        var call = await a.GetCallAsync("k1", Ct);
        Assert.Equal("first", call!.Outcome);
        Assert.Equal(T0.AddSeconds(1), call.FinishedAt);
        Assert.Equal(Alice, call.Owner);
        Assert.Equal(Platform.Alipay, call.Platform);
        Assert.Equal("{\"kind\":\"authorize\"}", call.Request);
        Assert.Null(await a.GetCallAsync("missing", Ct));
    }

    [Fact]
    public async Task TryLeaseCall_LiveLeaseOfAnotherDriver_IsRefusedUntilItEnds()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.AddCallAsync(Call("k1", "driver-a"), Ct);

        Assert.False(await b.TryLeaseCallAsync("k1", "driver-b", T0.AddSeconds(5), T0.AddSeconds(15), Ct));
        Assert.True(await a.TryLeaseCallAsync("k1", "driver-a", T0.AddSeconds(5), T0.AddSeconds(15), Ct));
        Assert.True(await b.TryLeaseCallAsync("k1", "driver-b", T0.AddSeconds(16), T0.AddSeconds(26), Ct));
        Assert.False(await a.TryLeaseCallAsync("k1", "driver-a", T0.AddSeconds(17), T0.AddSeconds(27), Ct));
        Assert.Equal("driver-b", (await a.GetCallAsync("k1", Ct))!.Driver);
    }

    [Fact]
    public async Task TryLeaseCall_ConcurrentTakeOvers_ExactlyOneWins()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.AddCallAsync(Call("k1", "dead"), Ct);
        var wins = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            (i % 2 == 0 ? a : b).TryLeaseCallAsync("k1", "driver-" + i, T0.AddMinutes(1), T0.AddMinutes(2), Ct).AsTask()));

        Assert.Equal(1, wins.Count(w => w));
    }

    [Fact]
    public async Task TryLeaseCall_FinishedCall_IsRefused()
    {
        var store = await NewStoreAsync();
        await store.AddCallAsync(Call("k1", "driver-a"), Ct);
        await store.FinishCallAsync("k1", "done", T0, Ct);

        Assert.False(await store.TryLeaseCallAsync("k1", "driver-b", T0.AddMinutes(1), T0.AddMinutes(2), Ct));
    }

    [Fact]
    public async Task RenewLeases_OnlyTheDriversOwnCalls_AreExtended()
    {
        var store = await NewStoreAsync();
        await store.AddCallAsync(Call("mine", "driver-a"), Ct);
        await store.AddCallAsync(Call("theirs", "driver-b"), Ct);
        await store.RenewLeasesAsync("driver-a", ["mine", "theirs"], T0.AddMinutes(1), Ct);

        Assert.Equal(T0.AddMinutes(1), (await store.GetCallAsync("mine", Ct))!.LeaseUntil);
        Assert.Equal(T0.AddSeconds(10), (await store.GetCallAsync("theirs", Ct))!.LeaseUntil);
    }

    [Fact]
    public async Task Prune_ClosedFinishedAndExpiredRows_GoInBatchesLiveOnesStay()
    {
        var store = await NewStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.OpenConsentAsync(Consent("closed-" + i, new Subject("app-" + i, "alice"), ["scope.record"]), Ct);
            await store.CloseConsentAsync("closed-" + i, "allow", T0.AddSeconds(1), Ct);
            await store.AddCallAsync(Call("finished-" + i, "driver"), Ct);
            await store.FinishCallAsync("finished-" + i, "done", T0.AddSeconds(1), Ct);
        }

        await store.OpenConsentAsync(Consent("open", Alice, ["scope.camera"]) with { ExpiresAt = T0.AddHours(1) }, Ct);
        await store.AddCallAsync(Call("pending", "driver") with { ExpiresAt = T0.AddHours(1) }, Ct);

        var before = T0.AddMinutes(3);
        Assert.Equal(6, await store.PruneAsync(before, 3, Ct));
        Assert.Equal(4, await store.PruneAsync(before, 3, Ct));
        Assert.Equal(0, await store.PruneAsync(before, 3, Ct));
        Assert.NotNull(await store.GetConsentAsync("open", Ct));
        Assert.NotNull(await store.GetCallAsync("pending", Ct));
        Assert.Null(await store.GetConsentAsync("closed-0", Ct));
        Assert.Null(await store.GetCallAsync("finished-0", Ct));
    }

    [Fact]
    public async Task EraseUserAsync_ConsentsAndCallsOfTheUser_DeletedAndAnnouncedOnEveryInstance()
    {
        var (a, b) = await TwoInstancesAsync();
        await a.OpenConsentAsync(Consent("open", Alice, ["scope.record"]), Ct);
        await a.OpenConsentAsync(Consent("closed", Alice, ["scope.camera"]), Ct);
        await a.CloseConsentAsync("closed", "allow", T0.AddSeconds(1), Ct);
        await a.OpenConsentAsync(Consent("bobs", new Subject("app-1", "bob"), ["scope.record"]), Ct);
        await a.AddCallAsync(Call("k1", "driver-a"), Ct);
        var announced = Expect(b, s => s is { Kind: ConsentSignalKind.ConsentChanged, Id: "open", UserId: "alice" });

        Assert.Equal(3, await a.EraseUserAsync("alice", Ct));

        await announced.WaitAsync(CallTimeout, Ct);
        Assert.Null(await b.GetConsentAsync("open", Ct));
        Assert.Null(await b.GetConsentAsync("closed", Ct));
        Assert.Null(await b.GetCallAsync("k1", Ct));
        Assert.Empty(await b.ListOpenConsentsAsync("alice", T0, Ct));
        Assert.NotNull(await b.GetConsentAsync("bobs", Ct));
        Assert.Equal(0, await b.EraseUserAsync("alice", Ct));
    }

    private static ConsentRecord Consent(string id, Subject subject, string[] scopes) =>
        new(id, subject, Platform.WeChat, scopes, T0, T0.AddMinutes(2));

    private static PendingCallRecord Call(string id, string driver) =>
        new(id, Alice, Platform.Alipay, "{\"kind\":\"authorize\"}", driver, T0.AddSeconds(10), T0, T0.AddMinutes(4));

    private static Task Expect(IConsentStore store, Func<ConsentSignal, bool> match)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Signaled += signal =>
        {
            if (match(signal))
            {
                seen.TrySetResult();
            }
        };
        return seen.Task;
    }

    private async Task<(IConsentStore A, IConsentStore B)> TwoInstancesAsync()
    {
        var a = await NewStoreAsync();
        var b = await SecondAsync(a);
        return (a, b);
    }
}
