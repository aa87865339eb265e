namespace Uni.Authorize.Testing;

/// <summary>
/// The behaviour every <see cref="IWebhookStore"/> must have, with the decision and identity stores over the same data
/// that fill its outbox in the transactions of their changes. Derive once per store and implement the three openers.
/// </summary>
public abstract class WebhookStoreContract : StoreContract<IWebhookStore>
{
    /// <summary>A fixed, whole-millisecond instant.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, 250, TimeSpan.Zero);

    // Events the stores stamp with their own clock (erasures, revoked sessions) are due long before this.
    private static readonly DateTimeOffset Later = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Subject Alice = new("app-1", "alice");

    /// <summary>A decision store writing into the outbox of <paramref name="webhooks"/> (the same database or instance).</summary>
    protected abstract ValueTask<IDecisionStore> OpenDecisionStoreAsync(IWebhookStore webhooks);

    /// <summary>An identity store writing into the outbox of <paramref name="webhooks"/> (the same database or instance).</summary>
    protected abstract ValueTask<IIdentityStore> OpenIdentityStoreAsync(IWebhookStore webhooks);

    private static WebhookEndpoint Endpoint(string appId, string url = "https://example.com/hooks") =>
        new(appId, new Uri(url), "whsec_" + appId, T0);

    private static DecisionWrite Write(Subject subject, string scope, DecisionState state, long expectedVersion,
        DecisionSource source = DecisionSource.Settings, int minutes = 0) =>
        new(subject, scope, state, source, T0.AddMinutes(minutes), null, expectedVersion);

    [Fact]
    public async Task SetEndpointAsync_NewAndReplaced_GetReturnsTheLatest()
    {
        var store = await NewStoreAsync();

        Assert.Null(await Guard(store.GetEndpointAsync("app-1", Ct)));
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        var replaced = Endpoint("app-1", "https://hooks.example.org:8443/uni?x=1") with { Secret = "whsec_rotated", UpdatedAt = T0.AddHours(1) };
        await Guard(store.SetEndpointAsync(replaced, Ct));

        Assert.Equal(replaced, await Guard(store.GetEndpointAsync("app-1", Ct)));
        Assert.Null(await Guard(store.GetEndpointAsync("APP-1", Ct)));
    }

    [Fact]
    public async Task RemoveEndpointAsync_WithPendingEvents_RemovesBothOnce()
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        await Guard(store.SetEndpointAsync(Endpoint("app-2"), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 0), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice with { AppId = "app-2" }, "scope.camera", DecisionState.Denied, 0), Ct));

        Assert.True(await Guard(store.RemoveEndpointAsync("app-1", Ct)));
        Assert.False(await Guard(store.RemoveEndpointAsync("app-1", Ct)));

        Assert.Null(await Guard(store.GetEndpointAsync("app-1", Ct)));
        Assert.Equal(["app-2"], (await Guard(store.ListDueAsync(Later, 10, Ct))).Select(e => e.AppId));
    }

    [Theory]
    [InlineData(DecisionState.Denied, WebhookEventKind.ScopeRevoked)]
    [InlineData(DecisionState.NotDetermined, WebhookEventKind.ScopeReset)]
    public async Task TryWriteAsync_SettingsTurnsAGrantOff_QueuesOneEventInTheWrite(DecisionState state, WebhookEventKind kind)
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.userLocation", DecisionState.Granted, 0, DecisionSource.Prompt), Ct));

        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.userLocation", state, 1, minutes: 5), Ct));

        var queued = Assert.Single(await Guard(store.ListDueAsync(T0.AddMinutes(5), 10, Ct)));
        Assert.Equal(new WebhookEvent(queued.Id, "app-1", "alice", kind, "scope.userLocation", T0.AddMinutes(5))
        {
            NextAttemptAt = T0.AddMinutes(5),
        }, queued);
        Assert.Matches("^evt_[0-9a-f]{32}$", queued.Id);
    }

    [Fact]
    public async Task TryWriteAsync_NotReported_QueuesNothing()
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        var bob = new Subject("app-1", "bob");
        var noEndpoint = new Subject("app-9", "alice");

        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 1, DecisionSource.Prompt), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.NotDetermined, 2, DecisionSource.Admin), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.NotDetermined, 3), Ct));
        await Guard(decisions.TryWriteAsync(Write(bob, "scope.record", DecisionState.NotDetermined, 0), Ct));
        await Guard(decisions.TryWriteAsync(Write(bob, "scope.werun", DecisionState.Denied, 0, DecisionSource.Policy), Ct));
        await Guard(decisions.TryWriteAsync(Write(noEndpoint, "scope.camera", DecisionState.Denied, 0), Ct));
        var conflict = await Guard(decisions.TryWriteAsync(Write(bob, "scope.record", DecisionState.Denied, 7), Ct));

        Assert.False(conflict.Written);
        Assert.Empty(await Guard(store.ListDueAsync(Later, 10, Ct)));
    }

    [Fact]
    public async Task EraseUserAsync_AppsWithEndpoints_QueuesUserErasedForEachAppOfTheUser()
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        await Guard(store.SetEndpointAsync(Endpoint("app-2"), Ct));
        await Guard(store.SetEndpointAsync(Endpoint("app-3"), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, DecisionSource.Prompt), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.record", DecisionState.Granted, 0, DecisionSource.Prompt), Ct));
        await Guard(decisions.TryWriteAsync(Write(new Subject("app-2", "alice"), "scope.camera", DecisionState.Denied, 0, DecisionSource.Prompt), Ct));
        await Guard(decisions.TryWriteAsync(Write(new Subject("app-3", "bob"), "scope.camera", DecisionState.Granted, 0, DecisionSource.Prompt), Ct));
        await Guard(decisions.TryWriteAsync(Write(new Subject("app-9", "alice"), "scope.camera", DecisionState.Granted, 0, DecisionSource.Prompt), Ct));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await Guard(decisions.EraseUserAsync("alice", Ct));

        var queued = await Guard(store.ListDueAsync(Later, 10, Ct));
        Assert.Equal(["app-1", "app-2"], queued.Select(e => e.AppId).Order(StringComparer.Ordinal));
        Assert.All(queued, e =>
        {
            Assert.Equal(("alice", WebhookEventKind.UserErased, (string?)null), (e.UserId, e.Kind, e.Scope));
            Assert.InRange(e.OccurredAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        });
        Assert.NotEqual(queued[0].Id, queued[1].Id);
    }

    [Fact]
    public async Task ForgetUserAsync_AfterErasure_DropsTheUsersOtherEventsAndKeepsOnlyTheAppsIdInUserErased()
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        var identities = await OpenIdentityStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        await Guard(store.SetEndpointAsync(Endpoint("app-2"), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Granted, 0, DecisionSource.Prompt), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 1, minutes: 1), Ct));
        await Guard(decisions.TryWriteAsync(Write(new Subject("app-2", "alice"), "scope.record", DecisionState.Granted, 0, DecisionSource.Prompt), Ct));
        await Guard(decisions.TryWriteAsync(Write(new Subject("app-2", "alice"), "scope.record", DecisionState.NotDetermined, 1, minutes: 2), Ct));
        await Guard(decisions.TryWriteAsync(Write(new Subject("app-1", "bob"), "scope.camera", DecisionState.Denied, 0, minutes: 3), Ct));
        await Guard(identities.AddSessionAsync(new MiniAppSession(new string('a', 64), "app-2", "alice", T0, T0.AddDays(1)), Ct));
        Assert.True(await Guard(identities.RemoveSessionAsync(new string('a', 64), Ct)));
        await Guard(decisions.EraseUserAsync("alice", Ct));
        var asked = new List<string>();

        var dropped = await Guard(store.ForgetUserAsync("alice", (appId, _) =>
        {
            lock (asked)
            {
                asked.Add(appId);
            }

            return ValueTask.FromResult("open-" + appId);
        }, Ct));

        var left = await Guard(store.ListDueAsync(Later, 10, Ct));
        Assert.Equal(3, dropped);
        Assert.Equal(["app-1", "app-2"], asked.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(left, e => e.UserId == "alice");
        var erased = left.Where(e => e.Kind == WebhookEventKind.UserErased).OrderBy(e => e.AppId, StringComparer.Ordinal).ToArray();
        Assert.Equal([("app-1", "", "open-app-1"), ("app-2", "", "open-app-2")], erased.Select(e => (e.AppId, e.UserId, e.OpenId)));
        Assert.All(erased, e => Assert.Null(e.Scope));
        var bob = Assert.Single(left, e => e.Kind != WebhookEventKind.UserErased);
        Assert.Equal(("bob", (string?)null), (bob.UserId, bob.OpenId));
        Assert.Equal(0, await Guard(store.ForgetUserAsync("alice", static (_, _) => throw new InvalidOperationException("Nothing is left to name."), Ct)));
    }

    [Fact]
    public async Task RemoveSessionAsync_StoredSession_QueuesSessionRevokedForItsApp()
    {
        var store = await NewStoreAsync();
        var identities = await OpenIdentityStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        await Guard(identities.AddSessionAsync(new MiniAppSession(new string('a', 64), "app-1", "alice", T0, T0.AddDays(1)), Ct));
        await Guard(identities.AddSessionAsync(new MiniAppSession(new string('b', 64), "app-9", "alice", T0, T0.AddDays(1)), Ct));

        Assert.True(await Guard(identities.RemoveSessionAsync(new string('a', 64), Ct)));
        Assert.True(await Guard(identities.RemoveSessionAsync(new string('b', 64), Ct)));
        Assert.False(await Guard(identities.RemoveSessionAsync(new string('a', 64), Ct)));

        var queued = Assert.Single(await Guard(store.ListDueAsync(Later, 10, Ct)));
        Assert.Equal(("app-1", "alice", WebhookEventKind.SessionRevoked, (string?)null), (queued.AppId, queued.UserId, queued.Kind, queued.Scope));
    }

    [Fact]
    public async Task ListDueAsync_SeveralEvents_DueOnlyOldestFirstAndBounded()
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        string[] scopes = ["scope.record", "scope.camera", "scope.werun"];
        for (var i = 0; i < scopes.Length; i++)
        {
            await Guard(decisions.TryWriteAsync(Write(Alice, scopes[i], DecisionState.Denied, 0, minutes: i), Ct));
        }

        Assert.Empty(await Guard(store.ListDueAsync(T0.AddMilliseconds(-1), 10, Ct)));
        Assert.Equal(["scope.record", "scope.camera"], (await Guard(store.ListDueAsync(T0.AddMinutes(1), 10, Ct))).Select(e => e.Scope));
        Assert.Equal(["scope.record", "scope.camera"], (await Guard(store.ListDueAsync(Later, 2, Ct))).Select(e => e.Scope));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Guard(store.ListDueAsync(Later, 0, Ct)));
    }

    [Fact]
    public async Task RetryAsync_FailedAttempt_CountsAndDefersUntilDue()
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 0), Ct));
        var queued = Assert.Single(await Guard(store.ListDueAsync(T0, 10, Ct)));

        await Guard(store.RetryAsync(queued.Id, T0.AddSeconds(30), Ct));
        await Guard(store.RetryAsync(queued.Id, T0.AddSeconds(90), Ct));

        Assert.Empty(await Guard(store.ListDueAsync(T0.AddSeconds(89), 10, Ct)));
        var retried = Assert.Single(await Guard(store.ListDueAsync(T0.AddSeconds(90), 10, Ct)));
        Assert.Equal(queued with { Attempts = 2, NextAttemptAt = T0.AddSeconds(90) }, retried);
    }

    [Fact]
    public async Task CompleteAsync_DeliveredEvent_RemovesItOnce()
    {
        var store = await NewStoreAsync();
        var decisions = await OpenDecisionStoreAsync(store);
        await Guard(store.SetEndpointAsync(Endpoint("app-1"), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.camera", DecisionState.Denied, 0), Ct));
        await Guard(decisions.TryWriteAsync(Write(Alice, "scope.record", DecisionState.Denied, 0), Ct));
        var first = (await Guard(store.ListDueAsync(T0, 10, Ct)))[0];

        Assert.True(await Guard(store.CompleteAsync(first.Id, Ct)));
        Assert.False(await Guard(store.CompleteAsync(first.Id, Ct)));

        Assert.Equal("scope.record", Assert.Single(await Guard(store.ListDueAsync(T0, 10, Ct))).Scope);
    }

    [Fact]
    public async Task TryAcquireLeaseAsync_TwoHolders_OneAtATimeUntilTheLeaseEnds()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);

        Assert.True(await Guard(first.TryAcquireLeaseAsync("a", T0, T0.AddSeconds(30), Ct)));
        Assert.False(await Guard(second.TryAcquireLeaseAsync("b", T0.AddSeconds(10), T0.AddSeconds(40), Ct)));
        Assert.True(await Guard(first.TryAcquireLeaseAsync("a", T0.AddSeconds(20), T0.AddSeconds(50), Ct)));
        Assert.False(await Guard(second.TryAcquireLeaseAsync("b", T0.AddSeconds(40), T0.AddSeconds(70), Ct)));
        Assert.True(await Guard(second.TryAcquireLeaseAsync("b", T0.AddSeconds(50), T0.AddSeconds(80), Ct)));
        Assert.False(await Guard(first.TryAcquireLeaseAsync("a", T0.AddSeconds(60), T0.AddSeconds(90), Ct)));
    }

    [Fact]
    public async Task TryAcquireLeaseAsync_ConcurrentHolders_ExactlyOneWins()
    {
        var first = await NewStoreAsync();
        var second = await SecondAsync(first);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await Guard((i % 2 == 0 ? first : second).TryAcquireLeaseAsync("holder-" + i, T0, T0.AddMinutes(1), Ct));
        })).ToArray();
        start.SetResult();

        Assert.Equal(1, (await Task.WhenAll(attempts)).Count(won => won));
    }
}
