using Npgsql;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class ChangeFeedTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private static readonly Subject Alice = new("app-1", "alice");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Changed_WriteByAnotherHost_ArrivesWithinOneSecond()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var local = fixture.Open(schema);
        await using var remote = fixture.Open(schema);
        await using var feed = new PostgreSqlDecisionChangeFeed(local);
        await WaitUntilAsync(() => feed.IsHealthy);
        var arrived = new TaskCompletionSource<(Subject, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.Changed += (subject, scope) => arrived.TrySetResult((subject, scope));

        var written = await new PostgreSqlDecisionStore(remote).TryWriteAsync(
            new DecisionWrite(Alice, "scope.camera", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UtcNow, null, 0), Ct);

        Assert.True(written.Written);
        Assert.Equal((Alice, "scope.camera"), await arrived.Task.WaitAsync(TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task Changed_UpdateAndPrune_EachNotifiesTheSubjectAndScope()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var database = fixture.Open(schema);
        await using var feed = new PostgreSqlDecisionChangeFeed(database);
        var store = new PostgreSqlDecisionStore(database);
        await store.TryWriteAsync(new DecisionWrite(Alice, "scope.record", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), 0), Ct);
        await WaitUntilAsync(() => feed.IsHealthy);
        var changes = System.Threading.Channels.Channel.CreateUnbounded<(Subject, string)>();
        feed.Changed += (subject, scope) => changes.Writer.TryWrite((subject, scope));

        await store.TryWriteAsync(new DecisionWrite(Alice, "scope.record", DecisionState.Denied, DecisionSource.Settings, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), 1), Ct);
        Assert.Equal((Alice, "scope.record"), await changes.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(1), Ct));

        Assert.Equal(1, await store.PruneExpiredAsync(DateTimeOffset.UnixEpoch.AddDays(2), Ct));
        Assert.Equal((Alice, "scope.record"), await changes.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task Changed_WriteInAnotherSchema_IsNotReported()
    {
        await using var mine = fixture.Open(PostgreSqlFixture.NewSchema());
        await using var other = fixture.Open(PostgreSqlFixture.NewSchema());
        await using var feed = new PostgreSqlDecisionChangeFeed(mine);
        await WaitUntilAsync(() => feed.IsHealthy);
        var changes = System.Threading.Channels.Channel.CreateUnbounded<string>();
        feed.Changed += (_, scope) => changes.Writer.TryWrite(scope);

        await new PostgreSqlDecisionStore(other).TryWriteAsync(new DecisionWrite(Alice, "scope.camera", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UtcNow, null, 0), Ct);
        await new PostgreSqlDecisionStore(mine).TryWriteAsync(new DecisionWrite(Alice, "scope.record", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UtcNow, null, 0), Ct);

        // Notifications of one connection arrive in commit order: the other schema's write would have come first.
        Assert.Equal("scope.record", await changes.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task IsHealthy_ListenerBackendTerminated_TurnsFalseAtOnceThenReconnects()
    {
        await using var database = fixture.Open(PostgreSqlFixture.NewSchema());
        await using var feed = new PostgreSqlDecisionChangeFeed(database);
        await WaitUntilAsync(() => feed.IsHealthy);
        var backend = feed.ListenerProcessId;
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.HealthChanged += healthy => (healthy ? back : lost).TrySetResult();

        Assert.Equal(true, await fixture.ScalarAsync($"SELECT pg_terminate_backend({backend})"));

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(1), Ct);
        await back.Task.WaitAsync(Patience, Ct);
        Assert.True(feed.IsHealthy);
        Assert.NotEqual(backend, feed.ListenerProcessId);

        // The new connection listens: a write is reported again.
        var arrived = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.Changed += (_, scope) => arrived.TrySetResult(scope);
        await new PostgreSqlDecisionStore(database).TryWriteAsync(new DecisionWrite(Alice, "scope.userInfo", DecisionState.Denied, DecisionSource.Prompt, DateTimeOffset.UtcNow, null, 0), Ct);
        Assert.Equal("scope.userInfo", await arrived.Task.WaitAsync(TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task IsHealthy_ServerUnreachable_StaysFalseAndRecoversWhenBack()
    {
        await using var proxy = new TcpProxy(new NpgsqlConnectionStringBuilder(fixture.ConnectionString));
        await using var database = fixture.Open(PostgreSqlFixture.NewSchema(), proxy.ConnectionString, heartbeat: TimeSpan.FromMilliseconds(500));
        await using var feed = new PostgreSqlDecisionChangeFeed(database);

        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        Assert.False(feed.IsHealthy);

        proxy.Start();
        await WaitUntilAsync(() => feed.IsHealthy);

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.HealthChanged += healthy =>
        {
            if (!healthy)
            {
                lost.TrySetResult();
            }
        };
        proxy.Stop();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(2), Ct);
        Assert.False(feed.IsHealthy);

        proxy.Start();
        await WaitUntilAsync(() => feed.IsHealthy);
    }

    [Fact]
    public async Task DisposeAsync_CalledTwiceAtOnce_ClosesTheListenerAndReportsUnhealthy()
    {
        await using var database = fixture.Open(PostgreSqlFixture.NewSchema());
        var feed = new PostgreSqlDecisionChangeFeed(database);
        await WaitUntilAsync(() => feed.IsHealthy);
        var backend = feed.ListenerProcessId;
        var lost = false;
        feed.HealthChanged += healthy => lost |= !healthy;

        await Task.WhenAll(feed.DisposeAsync().AsTask(), Task.Run(feed.Dispose, Ct)).WaitAsync(Patience, Ct);

        Assert.False(feed.IsHealthy);
        Assert.True(lost);
        var deadline = DateTime.UtcNow + Patience;
        while (!Equals(await fixture.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE pid = {backend}"), 0L))
        {
            Assert.True(DateTime.UtcNow < deadline, "The listening backend is still connected.");
            await Task.Delay(20, Ct);
        }
    }

    [Theory]
    [InlineData("""["app","user","scope.camera"]""", true)]
    [InlineData("""["app","user"]""", false)]
    [InlineData("""{"app":"user"}""", false)]
    [InlineData("""[1,2,3]""", false)]
    [InlineData("not json", false)]
    public void TryParse_Payload_AcceptsOnlyTheTriggerFormat(string payload, bool expected)
    {
        Assert.Equal(expected, PostgreSqlDecisionChangeFeed.TryParse(payload, out var subject, out var scope));
        if (expected)
        {
            Assert.Equal(new Subject("app", "user"), subject);
            Assert.Equal("scope.camera", scope);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold in time.");
            await Task.Delay(20, Ct);
        }
    }
}
