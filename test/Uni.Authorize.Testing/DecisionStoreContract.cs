namespace Uni.Authorize.Testing;

/// <summary>
/// The behaviour every <see cref="IDecisionStore"/> must have. Derive once per store and implement
/// <see cref="CreateStoreAsync"/>; override the virtual hooks the store can support.
/// </summary>
public abstract class DecisionStoreContract : StoreContract<IDecisionStore>
{
    /// <summary>A fixed, whole-millisecond instant (every store keeps at least millisecond precision).</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 30, 15, 123, TimeSpan.Zero);

    private protected static DecisionWrite Write(Subject subject, string scope, DecisionState state, long expectedVersion,
        DecisionSource source = DecisionSource.Prompt, DateTimeOffset? at = null, DateTimeOffset? expiresAt = null) =>
        new(subject, scope, state, source, at ?? T0, expiresAt, expectedVersion);

    private protected static readonly Subject Alice = new("app-1", "alice");

    [Fact]
    public async Task GetAsync_NothingStored_ReturnsNull()
    {
        var store = await NewStoreAsync();

        Assert.Null(await Guard(store.GetAsync(Alice, "scope.camera", Ct)));
        Assert.Empty(await Guard(store.ListAsync(Alice, Ct)));
        Assert.Empty(await Guard(store.GetAuditAsync(Alice, Ct)));
    }

    [Fact]
    public async Task TryWriteAsync_FirstWrite_StoresEveryFieldAtVersionOne()
    {
        var store = await NewStoreAsync();
        var expires = T0.AddDays(30);

        var result = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, DecisionSource.Settings, T0, expires), Ct));

        Assert.True(result.Written);
        var expected = new Decision(Alice, "scope.camera", DecisionState.Granted, DecisionSource.Settings, T0, expires, 1);
        Assert.Equal(expected, result.Current);
        Assert.Equal(expected, await Guard(store.GetAsync(Alice, "scope.camera", Ct)));
    }

    [Theory]
    [InlineData(DecisionLifetime.Standing, 0L)]
    [InlineData(DecisionLifetime.Once, 3L)]
    [InlineData(DecisionLifetime.WhileUsing, long.MaxValue)]
    public async Task TryWriteAsync_PurposeVersionAndLifetime_RoundTripInDecisionListsAndAudit(DecisionLifetime lifetime, long purposeVersion)
    {
        var store = await NewStoreAsync();
        var write = Write(Alice, "scope.userLocation", DecisionState.Granted, 0) with { PurposeVersion = purposeVersion, Lifetime = lifetime };

        var result = await Guard(store.TryWriteAsync(write, Ct));
        var regrant = await Guard(store.TryWriteAsync(write with { ExpectedVersion = 1, PurposeVersion = 1, Lifetime = DecisionLifetime.Standing }, Ct));

        Assert.Equal((purposeVersion, lifetime), (result.Current!.PurposeVersion, result.Current.Lifetime));
        Assert.Equal((1L, DecisionLifetime.Standing), (regrant.Current!.PurposeVersion, regrant.Current.Lifetime));
        Assert.Equal(regrant.Current, await Guard(store.GetAsync(Alice, "scope.userLocation", Ct)));
        Assert.Equal([regrant.Current], await Guard(store.ListAsync(Alice, Ct)));
        Assert.Equal([regrant.Current], await Guard(store.ListUserAsync(Alice.UserId, Ct)));
        var expected = new[] { (purposeVersion, lifetime), (1L, DecisionLifetime.Standing) };
        Assert.Equal(expected, (await Guard(store.GetAuditAsync(Alice, Ct))).Select(e => (e.PurposeVersion, e.Lifetime)));
        Assert.Equal(expected, (await Guard(store.GetUserAuditAsync(Alice.UserId, Ct))).Select(e => (e.PurposeVersion, e.Lifetime)));
    }

    [Theory]
    [InlineData(DecisionState.Granted, DecisionSource.Prompt)]
    [InlineData(DecisionState.Denied, DecisionSource.Settings)]
    [InlineData(DecisionState.NotDetermined, DecisionSource.Admin)]
    [InlineData(DecisionState.Denied, DecisionSource.Policy)]
    public async Task TryWriteAsync_EachStateAndSource_RoundTrips(DecisionState state, DecisionSource source)
    {
        var store = await NewStoreAsync();

        await Guard(store.TryWriteAsync(Write(Alice, "scope.record", state, 0, source), Ct));

        var stored = await Guard(store.GetAsync(Alice, "scope.record", Ct));
        Assert.NotNull(stored);
        Assert.Equal(state, stored.State);
        Assert.Equal(source, stored.Source);
        Assert.Null(stored.ExpiresAt);
    }

    [Fact]
    public async Task TryWriteAsync_NonUtcOffset_ReturnsTheSameInstant()
    {
        var store = await NewStoreAsync();
        var local = new DateTimeOffset(2026, 3, 1, 16, 30, 15, 123, TimeSpan.FromHours(8));

        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, at: local, expiresAt: local.AddHours(1)), Ct));

        var stored = await Guard(store.GetAsync(Alice, "scope.camera", Ct));
        Assert.Equal(local.UtcDateTime, stored!.DecidedAt.UtcDateTime);
        Assert.Equal(local.AddHours(1).UtcDateTime, stored.ExpiresAt!.Value.UtcDateTime);
    }

    [Fact]
    public async Task TryWriteAsync_LongUnicodeIds_RoundTripExactly()
    {
        var store = await NewStoreAsync();
        var subject = new Subject(new string('应', Subject.MaxIdLength), "用户-ü-😀-" + new string('x', 100));

        await Guard(store.TryWriteAsync(Write(subject, "scope.userInfo", DecisionState.Granted, 0), Ct));

        var stored = await Guard(store.GetAsync(subject, "scope.userInfo", Ct));
        Assert.Equal(subject, stored!.Subject);
        Assert.Equal(subject, Assert.Single(await Guard(store.ListAsync(subject, Ct))).Subject);
    }

    [Fact]
    public async Task GetAsync_ScopeOrIdDiffersOnlyInCase_IsAnotherKey()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));

        Assert.Null(await Guard(store.GetAsync(Alice, "scope.Camera", Ct)));
        Assert.Null(await Guard(store.GetAsync(new Subject("APP-1", "alice"), "scope.camera", Ct)));
        Assert.Null(await Guard(store.GetAsync(new Subject("app-1", "Alice"), "scope.camera", Ct)));
        Assert.Null(await Guard(store.GetAsync(new Subject("app-1", "alice "), "scope.camera", Ct)));

        var upper = await Guard(store.TryWriteAsync(Write(new Subject("app-1", "Alice"), "scope.camera", DecisionState.Denied, 0), Ct));
        Assert.True(upper.Written);
        Assert.Equal(DecisionState.Granted, (await Guard(store.GetAsync(Alice, "scope.camera", Ct)))!.State);
    }

    [Fact]
    public async Task ListAsync_SeveralScopes_OrdinalScopeOrder()
    {
        var store = await NewStoreAsync();
        string[] scopes = ["scope.userLocation", "scope.b", "auth_base", "scope.B", "scope.userInfo", "scope._", "scope.a"];
        foreach (var scope in scopes)
        {
            await Guard(store.TryWriteAsync(Write(Alice, scope, DecisionState.Granted, 0), Ct));
        }

        var listed = await Guard(store.ListAsync(Alice, Ct));

        Assert.Equal(scopes.Order(StringComparer.Ordinal), listed.Select(d => d.Scope));
    }

    [Fact]
    public async Task ListAsync_OtherSubjects_AreNeverIncluded()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(new Subject("app-2", "alice"), "scope.record", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(new Subject("app-1", "bob"), "scope.userInfo", DecisionState.Denied, 0), Ct));
        await Guard(store.TryWriteAsync(Write(new Subject("app-1", "alice2"), "scope.werun", DecisionState.Denied, 0), Ct));

        var listed = await Guard(store.ListAsync(Alice, Ct));

        Assert.Equal("scope.camera", Assert.Single(listed).Scope);
    }

    [Fact]
    public async Task TryWriteAsync_MatchingVersion_ReplacesAndIncrementsVersion()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));

        var second = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 1, DecisionSource.Settings, T0.AddMinutes(1)), Ct));
        var third = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.NotDetermined, 2, DecisionSource.Settings, T0.AddMinutes(2)), Ct));

        Assert.True(second.Written);
        Assert.Equal(2, second.Current!.Version);
        Assert.True(third.Written);
        Assert.Equal(3, third.Current!.Version);
        var stored = await Guard(store.GetAsync(Alice, "scope.camera", Ct));
        Assert.Equal(new Decision(Alice, "scope.camera", DecisionState.NotDetermined, DecisionSource.Settings, T0.AddMinutes(2), null, 3), stored);
        Assert.Single(await Guard(store.ListAsync(Alice, Ct)));
    }

    [Fact]
    public async Task TryWriteAsync_VersionZeroWhenRowExists_ConflictWithStoredRowAndNoChange()
    {
        var store = await NewStoreAsync();
        var first = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 0), Ct));

        var late = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, at: T0.AddSeconds(1)), Ct));

        Assert.False(late.Written);
        Assert.Equal(first.Current, late.Current);
        Assert.Equal(first.Current, await Guard(store.GetAsync(Alice, "scope.camera", Ct)));
    }

    [Fact]
    public async Task TryWriteAsync_StaleVersion_ConflictWithCurrentRow()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        var current = (await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 1), Ct))).Current;

        var stale = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 1), Ct));
        var ahead = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 7), Ct));

        Assert.False(stale.Written);
        Assert.Equal(current, stale.Current);
        Assert.False(ahead.Written);
        Assert.Equal(current, ahead.Current);
        Assert.Equal(DecisionState.Denied, (await Guard(store.GetAsync(Alice, "scope.camera", Ct)))!.State);
    }

    [Fact]
    public async Task TryWriteAsync_ExpectedVersionButNoRow_ConflictWithNull()
    {
        var store = await NewStoreAsync();

        var result = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 3), Ct));

        Assert.False(result.Written);
        Assert.Null(result.Current);
        Assert.Null(await Guard(store.GetAsync(Alice, "scope.camera", Ct)));
        Assert.Empty(await Guard(store.GetAuditAsync(Alice, Ct)));
    }

    [Fact]
    public async Task TryWriteAsync_ConcurrentFirstWrites_ExactlyOneWinsOthersSeeTheWinner()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);
        const int Writers = 32;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writes = Enumerable.Range(0, Writers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var store = i % 2 == 0 ? first : second;
            var state = i % 3 == 0 ? DecisionState.Denied : DecisionState.Granted;
            return await store.TryWriteAsync(Write(Alice, "scope.userLocation", state, 0, at: T0.AddMilliseconds(i)), Ct);
        }, Ct)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(writes).WaitAsync(CallTimeout, Ct);

        var winner = Assert.Single(results, r => r.Written).Current!;
        Assert.Equal(1, winner.Version);
        Assert.All(results.Where(r => !r.Written), r => Assert.Equal(winner, r.Current));
        Assert.Equal(winner, Assert.Single(await Guard(first.ListAsync(Alice, Ct))));
        Assert.Equal(winner, await Guard(second.GetAsync(Alice, "scope.userLocation", Ct)));
        Assert.Single(await Guard(first.GetAuditAsync(Alice, Ct)));
    }

    [Fact]
    public async Task TryWriteAsync_ConcurrentUpdatesOfOneVersion_ExactlyOneWins()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);
        await Guard(first.TryWriteAsync(Write(Alice, "scope.record", DecisionState.Granted, 0), Ct));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writes = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await (i % 2 == 0 ? first : second).TryWriteAsync(Write(Alice, "scope.record", DecisionState.Denied, 1, DecisionSource.Settings), Ct);
        }, Ct)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(writes).WaitAsync(CallTimeout, Ct);

        Assert.Single(results, r => r.Written);
        Assert.All(results, r => Assert.Equal(2, r.Current!.Version));
        Assert.Equal(2, (await Guard(first.GetAuditAsync(Alice, Ct))).Count);
    }

    [Fact]
    public async Task GetAuditAsync_EveryAppliedWrite_AppendsOneEntryOldestFirst()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, DecisionSource.Prompt, T0), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.record", DecisionState.Denied, 0, DecisionSource.Prompt, T0.AddSeconds(1)), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 1, DecisionSource.Settings, T0.AddSeconds(2)), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.NotDetermined, 2, DecisionSource.Admin, T0.AddSeconds(3)), Ct));

        var audit = await Guard(store.GetAuditAsync(Alice, Ct));

        Assert.Equal(
        [
            new DecisionAuditEntry(Alice, "scope.camera", DecisionState.NotDetermined, DecisionState.Granted, DecisionSource.Prompt, T0),
            new DecisionAuditEntry(Alice, "scope.record", DecisionState.NotDetermined, DecisionState.Denied, DecisionSource.Prompt, T0.AddSeconds(1)),
            new DecisionAuditEntry(Alice, "scope.camera", DecisionState.Granted, DecisionState.Denied, DecisionSource.Settings, T0.AddSeconds(2)),
            new DecisionAuditEntry(Alice, "scope.camera", DecisionState.Denied, DecisionState.NotDetermined, DecisionSource.Admin, T0.AddSeconds(3)),
        ], audit);
    }

    [Fact]
    public async Task GetAuditAsync_RejectedWrites_AppendNothing()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));

        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 0), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 5), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.record", DecisionState.Denied, 2), Ct));

        Assert.Single(await Guard(store.GetAuditAsync(Alice, Ct)));
    }

    [Fact]
    public async Task GetAuditAsync_OtherSubjects_AreNeverIncluded()
    {
        var store = await NewStoreAsync();
        var bob = new Subject("app-1", "bob");
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(bob, "scope.camera", DecisionState.Denied, 0), Ct));
        await Guard(store.TryWriteAsync(Write(new Subject("app-2", "alice"), "scope.camera", DecisionState.Denied, 0), Ct));

        var audit = await Guard(store.GetAuditAsync(bob, Ct));

        Assert.Equal(bob, Assert.Single(audit).Subject);
    }

    [Fact]
    public async Task PruneExpiredAsync_ExpiredRows_DeletesOnlyThoseAndReturnsCount()
    {
        var store = await NewStoreAsync();
        var now = T0.AddDays(10);
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, expiresAt: now.AddTicks(-TimeSpan.TicksPerMillisecond)), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.record", DecisionState.Denied, 0, expiresAt: now), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.userInfo", DecisionState.Granted, 0, expiresAt: now.AddMinutes(1)), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.werun", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(new Subject("app-9", "zed"), "scope.camera", DecisionState.Granted, 0, expiresAt: T0), Ct));

        var pruned = await Guard(store.PruneExpiredAsync(now, Ct));

        Assert.Equal(3, pruned);
        Assert.Equal(["scope.userInfo", "scope.werun"], (await Guard(store.ListAsync(Alice, Ct))).Select(d => d.Scope));
        Assert.Equal(0, await Guard(store.PruneExpiredAsync(now, Ct)));
    }

    [Fact]
    public async Task PruneExpiredAsync_MoreExpiredThanTheBatch_DeletesOneBatchPerCall()
    {
        var store = await NewStoreAsync();
        var now = T0.AddDays(10);
        for (var i = 0; i < 7; i++)
        {
            await Guard(store.TryWriteAsync(Write(new Subject("app-1", $"user-{i}"), "scope.camera", DecisionState.Granted, 0, expiresAt: T0.AddHours(i)), Ct));
        }

        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, expiresAt: now.AddDays(1)), Ct));

        var batches = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            batches.Add(await Guard(store.PruneExpiredAsync(now, 3, Ct)));
        }

        Assert.Equal([3, 3, 1, 0], batches);
        Assert.NotNull(await Guard(store.GetAsync(Alice, "scope.camera", Ct)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Guard(store.PruneExpiredAsync(now, 0, Ct)));
    }

    [Fact]
    public async Task PruneExpiredAsync_PrunedRow_CanBeDecidedAfreshAndAuditIsKept()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, expiresAt: T0.AddHours(1)), Ct));
        await Guard(store.PruneExpiredAsync(T0.AddHours(2), Ct));

        var fresh = await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 0, at: T0.AddHours(3)), Ct));

        Assert.True(fresh.Written);
        Assert.Equal(1, fresh.Current!.Version);
        Assert.Equal(2, (await Guard(store.GetAuditAsync(Alice, Ct))).Count);
    }

    [Fact]
    public async Task ListUserAsync_SeveralAppsAndUsers_EveryDecisionOfTheUserInAppThenScopeOrder()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(new Subject("app-2", "alice"), "scope.camera", DecisionState.Denied, 0), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.userLocation", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(new Subject("app-1", "bob"), "scope.camera", DecisionState.Granted, 0), Ct));

        var listed = await Guard(store.ListUserAsync("alice", Ct));

        Assert.Equal(
            [("app-1", "scope.camera"), ("app-1", "scope.userLocation"), ("app-2", "scope.camera")],
            listed.Select(d => (d.Subject.AppId, d.Scope)));
        Assert.All(listed, d => Assert.Equal("alice", d.Subject.UserId));
        Assert.Equal(DecisionState.Denied, listed[2].State);
        Assert.Empty(await Guard(store.ListUserAsync("carol", Ct)));
    }

    [Fact]
    public async Task GetUserAuditAsync_SeveralApps_EveryEntryOfTheUserOldestFirst()
    {
        var store = await NewStoreAsync();
        var other = new Subject("app-2", "alice");
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, at: T0), Ct));
        await Guard(store.TryWriteAsync(Write(other, "scope.camera", DecisionState.Denied, 0, at: T0.AddSeconds(1)), Ct));
        await Guard(store.TryWriteAsync(Write(new Subject("app-1", "bob"), "scope.camera", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 1, DecisionSource.Settings, T0.AddSeconds(2)), Ct));

        var trail = await Guard(store.GetUserAuditAsync("alice", Ct));

        Assert.Equal(
            [
                new DecisionAuditEntry(Alice, "scope.camera", DecisionState.NotDetermined, DecisionState.Granted, DecisionSource.Prompt, T0),
                new DecisionAuditEntry(other, "scope.camera", DecisionState.NotDetermined, DecisionState.Denied, DecisionSource.Prompt, T0.AddSeconds(1)),
                new DecisionAuditEntry(Alice, "scope.camera", DecisionState.Granted, DecisionState.Denied, DecisionSource.Settings, T0.AddSeconds(2)),
            ],
            trail);
    }

    [Fact]
    public async Task EraseUserAsync_UserInSeveralApps_LeavesNoRowAndKeepsTheAuditUnderAPseudonym()
    {
        var store = await NewStoreAsync();
        var other = new Subject("app-2", "alice");
        var bob = new Subject("app-1", "bob");
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 1, DecisionSource.Settings), Ct));
        await Guard(store.TryWriteAsync(Write(other, "scope.record", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(bob, "scope.camera", DecisionState.Granted, 0), Ct));
        var before = await Guard(store.GetUserAuditAsync("alice", Ct));

        var erasure = await Guard(store.EraseUserAsync("alice", Ct));

        Assert.StartsWith(DecisionErasure.PseudonymPrefix, erasure.Pseudonym, StringComparison.Ordinal);
        Assert.True(erasure.Pseudonym.Length > DecisionErasure.PseudonymPrefix.Length + 16);
        Assert.Equal(2, erasure.Decisions);
        Assert.Equal(3, erasure.AuditEntries);
        Assert.Empty(await Guard(store.ListUserAsync("alice", Ct)));
        Assert.Empty(await Guard(store.GetUserAuditAsync("alice", Ct)));
        Assert.Empty(await Guard(store.ListAsync(Alice, Ct)));
        Assert.Empty(await Guard(store.GetAuditAsync(other, Ct)));
        Assert.Null(await Guard(store.GetAsync(Alice, "scope.camera", Ct)));
        var kept = await Guard(store.GetUserAuditAsync(erasure.Pseudonym, Ct));
        Assert.Equal(before.Select(e => e with { Subject = e.Subject with { UserId = erasure.Pseudonym } }), kept);
        Assert.Single(await Guard(store.ListAsync(bob, Ct)));
        Assert.Single(await Guard(store.GetAuditAsync(bob, Ct)));
    }

    [Fact]
    public async Task EraseUserAsync_TwiceWithNewDecisionsBetween_UsesANewPseudonymEachTime()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        var first = await Guard(store.EraseUserAsync("alice", Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 0), Ct));

        var second = await Guard(store.EraseUserAsync("alice", Ct));

        Assert.NotEqual(first.Pseudonym, second.Pseudonym);
        Assert.Single(await Guard(store.GetUserAuditAsync(first.Pseudonym, Ct)));
        Assert.Equal(DecisionState.Denied, Assert.Single(await Guard(store.GetUserAuditAsync(second.Pseudonym, Ct))).To);
        Assert.Equal(new DecisionErasure(second.Pseudonym, 1, 1), second);
        var nothingLeft = await Guard(store.EraseUserAsync("alice", Ct));
        Assert.Equal((0, 0), (nothingLeft.Decisions, nothingLeft.AuditEntries));
    }

    [Theory]
    [InlineData("")]
    [InlineData("erased:0123456789abcdef")]
    public async Task EraseUserAsync_EmptyOrPseudonym_ThrowsArgumentException(string userId)
    {
        var store = await NewStoreAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EraseUserAsync(userId, Ct).AsTask());
    }

    [Fact]
    public async Task EraseUserAsync_ConcurrentWritersOnTwoInstances_EveryWriteErasedOrRefused()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);
        string[] scopes = ["scope.camera", "scope.record", "scope.userLocation", "scope.address"];
        foreach (var scope in scopes)
        {
            await Guard(first.TryWriteAsync(Write(Alice, scope, DecisionState.Granted, 0), Ct));
        }

        var written = 0;
        var writers = scopes.Select((scope, i) => Task.Run(async () =>
        {
            var store = i % 2 == 0 ? first : second;
            var deadline = DateTime.UtcNow + CallTimeout;
            while (DateTime.UtcNow < deadline)
            {
                await Task.Yield();
                var current = await store.GetAsync(Alice, scope, Ct);
                if (current is null)
                {
                    return;
                }

                var next = current.State == DecisionState.Granted ? DecisionState.Denied : DecisionState.Granted;
                var result = await store.TryWriteAsync(Write(Alice, scope, next, current.Version, DecisionSource.Settings), Ct);
                if (result.Written)
                {
                    Interlocked.Increment(ref written);
                }
                else if (result.Current is null)
                {
                    return;
                }
            }

            Assert.Fail("The writer never saw the erasure.");
        }, Ct)).ToArray();
        while (Volatile.Read(ref written) < 20 && !writers.Any(w => w.IsCompleted))
        {
            await Task.Delay(1, Ct);
        }

        var erasure = await Guard(first.EraseUserAsync("alice", Ct));
        await Task.WhenAll(writers).WaitAsync(CallTimeout, Ct);

        Assert.Empty(await Guard(first.ListUserAsync("alice", Ct)));
        Assert.Empty(await Guard(second.GetUserAuditAsync("alice", Ct)));
        Assert.Equal(scopes.Length + written, (await Guard(second.GetUserAuditAsync(erasure.Pseudonym, Ct))).Count);
        Assert.Equal(scopes.Length, erasure.Decisions);
        Assert.Equal(scopes.Length + written, erasure.AuditEntries);
    }
}

public abstract class DurableDecisionStoreContract : DecisionStoreContract
{
    /// <summary>
    /// Damages the stored row of <paramref name="subject"/> and <paramref name="scope"/> so it can no longer be read
    /// (for example an unknown state value); returns whether it did.
    /// </summary>
    protected abstract ValueTask<bool> TryCorruptAsync(IDecisionStore store, Subject subject, string scope);

    [Fact]
    public async Task GetAsync_CorruptRow_ThrowsInsteadOfAnsweringEmpty()
    {
        var store = await NewStoreAsync();
        await Guard(store.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        await Guard(store.TryWriteAsync(Write(Alice, "scope.record", DecisionState.Granted, 0), Ct));
        Assert.True(await TryCorruptAsync(store, Alice, "scope.camera").AsTask().WaitAsync(CallTimeout, Ct), "The test could not damage the row.");

        await ContractAssert.FailsAsync(() => Guard(store.GetAsync(Alice, "scope.camera", Ct)));
        await ContractAssert.FailsAsync(() => Guard(store.ListAsync(Alice, Ct)));
    }
}
