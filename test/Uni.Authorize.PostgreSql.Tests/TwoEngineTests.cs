using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.PostgreSql.Tests;

// Two engines with separate caches over one PostgreSQL schema, as two host processes would run.
public sealed class TwoEngineTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>, IAsyncDisposable
{
    private const string Scope = "scope.userLocation";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private static readonly Subject Alice = new("app-1", "alice");
    private readonly List<IAsyncDisposable> _owned = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Authorize_GrantOnOneEngine_SeenByTheOtherWithoutAsking()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var (a, aPrompter, _) = await StartEngineAsync(schema, PromptResult.Allow);
        var (b, bPrompter, bServices) = await StartEngineAsync(schema, PromptResult.Deny);
        var bStore = bServices.GetRequiredService<IDecisionStore>();
        Assert.Null(await bStore.GetAsync(Alice, Scope, Ct)); // B now caches "nothing stored".

        Assert.True((await Authorize(a)).Succeeded);
        var elapsed = await TimeUntilAsync(async () => (await bStore.GetAsync(Alice, Scope, Ct))?.State == DecisionState.Granted);

        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"B saw the grant after {elapsed}.");
        Assert.True((await Authorize(b)).Succeeded);
        Assert.Equal(1, aPrompter.ShownCount);
        Assert.Equal(0, bPrompter.ShownCount);
    }

    [Fact]
    public async Task Authorize_RevokeOnOneEngine_HonouredByTheOtherWithinOneSecond()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var (a, _, _) = await StartEngineAsync(schema, PromptResult.Allow);
        var (b, bPrompter, bServices) = await StartEngineAsync(schema, PromptResult.Allow);
        Assert.True((await Authorize(a)).Succeeded);
        var bCache = (CachingDecisionStore)bServices.GetRequiredService<IDecisionStore>();
        await TimeUntilAsync(async () => (await Authorize(b)).Succeeded && bCache.Count > 0); // the grant is held in B's cache

        await new DecisionManager(a).SetDecisionAsync(Alice, Scope, DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        var elapsed = await TimeUntilAsync(async () => (await Authorize(b)).Error?.Code == AuthorizeErrorCode.Denied);

        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"B still granted {elapsed} after the revoke.");
        Assert.Equal(0, bPrompter.ShownCount);
    }

    [Fact]
    public async Task Authorize_ConcurrentFirstPromptsOnBothEngines_OneStoredDecisionBothCallersAgree()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var bothShown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (a, aPrompter, aServices) = await StartEngineAsync(schema, PromptResult.Allow);
        var (b, bPrompter, _) = await StartEngineAsync(schema, PromptResult.Deny);
        aPrompter.Gate = bothShown.Task;
        bPrompter.Gate = bothShown.Task;

        var onA = Authorize(a);
        var onB = Authorize(b);
        await Task.WhenAll(aPrompter.Shown.Task, bPrompter.Shown.Task).WaitAsync(Patience, Ct);
        bothShown.SetResult(); // both users' dialogs are open over an undetermined scope: both answers race to the store
        var outcomes = await Task.WhenAll(onA, onB).WaitAsync(Patience, Ct);

        var store = aServices.GetRequiredService<IDecisionStore>();
        var stored = Assert.Single(await store.ListAsync(Alice, Ct));
        Assert.Equal(1, stored.Version);
        Assert.Single(await store.GetAuditAsync(Alice, Ct));
        var expectGranted = stored.State == DecisionState.Granted;
        Assert.All(outcomes, o => Assert.Equal(expectGranted, o.Succeeded));
        Assert.All(outcomes.Where(o => !o.Succeeded), o => Assert.Equal(AuthorizeErrorCode.Denied, o.Error!.Code));
    }

    [Fact]
    public async Task RedeemAuthCode_HundredParallelRedeemersOnTwoEngines_ExactlyOneSucceeds()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var (a, _, _) = await StartEngineAsync(schema, PromptResult.Allow);
        var (b, _, _) = await StartEngineAsync(schema, PromptResult.Allow);
        AuthCodeService[] codes = [new(a), new(b)];
        var code = await codes[0].IssueAuthCodeAsync(Alice, ["auth_base"], Ct);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var redeemers = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await codes[i % 2].RedeemAuthCodeAsync("app-1", code, Ct);
        }, Ct)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(redeemers).WaitAsync(Patience, Ct);

        var winner = Assert.Single(results, r => r.Succeeded);
        Assert.Equal(Alice, winner.Code!.Subject);
        Assert.Equal(99, results.Count(r => r.Status == AuthCodeRedemptionStatus.AlreadyUsed));
    }

    [Fact]
    public async Task Authorize_ListenerKilled_CacheStopsTrustingItselfUntilTheFeedIsBack()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var (a, _, _) = await StartEngineAsync(schema, PromptResult.Allow);

        // B is built by hand so its feed reconnects only when the test moves its clock.
        var reconnectClock = new FakeTimeProvider();
        var database = Own(fixture.Open(schema));
        var feed = Own(new PostgreSqlDecisionChangeFeed(database, reconnectClock));
        using var cache = new CachingDecisionStore(new PostgreSqlDecisionStore(database), new DecisionCacheOptions(), feed);
        var bPrompter = new TestPrompter(PromptResult.Allow);
        using var b = new Authorizer(new UniAuthorizeOptions { Prompter = bPrompter, Store = cache, DefaultSubject = Alice });
        await WaitUntilAsync(() => feed.IsHealthy);
        Assert.True((await Authorize(a)).Succeeded);
        // Granted and held in B's cache (A's notification may still evict an early read).
        await TimeUntilAsync(async () => (await Authorize(b)).Succeeded && cache.Count > 0);

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        feed.HealthChanged += healthy =>
        {
            if (!healthy)
            {
                lost.TrySetResult();
            }
        };
        Assert.Equal(true, await fixture.ScalarAsync($"SELECT pg_terminate_backend({feed.ListenerProcessId})"));
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(1), Ct);

        // The revoke's notification goes nowhere: B must not answer from memory.
        await new DecisionManager(a).SetDecisionAsync(Alice, Scope, DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        Assert.Equal(AuthorizeErrorCode.Denied, (await Authorize(b)).Error?.Code);
        Assert.Equal(0, cache.Count);
        Assert.False(feed.IsHealthy);

        // Keep moving the clock: the feed arms its retry delay only once the dead connection is disposed.
        await WaitUntilAsync(() =>
        {
            reconnectClock.Advance(TimeSpan.FromSeconds(1));
            return feed.IsHealthy;
        });
        Assert.Equal(AuthorizeErrorCode.Denied, (await Authorize(b)).Error?.Code);
        Assert.True(cache.Count > 0); // trusted again
        Assert.Equal(0, bPrompter.ShownCount);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    private static Task<AuthorizeOutcome> Authorize(Authorizer engine) =>
        engine.TryAuthorizeAsync(new AuthorizeRequest(Scope) { Subject = Alice }, Ct).AsTask().WaitAsync(Patience, Ct);

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private async Task<(Authorizer Engine, TestPrompter Prompter, ServiceProvider Services)> StartEngineAsync(string schema, PromptResult answer)
    {
        var prompter = new TestPrompter(answer);
        var services = new ServiceCollection()
            .AddUniAuthorize(options => options.Prompter = prompter)
            .AddPostgreSqlStore(options =>
            {
                options.ConnectionString = fixture.ConnectionString;
                options.Schema = schema;
            })
            .AddDecisionCache()
            .Services.BuildServiceProvider();
        Own(services);
        var engine = services.GetRequiredService<Authorizer>();
        var feed = services.GetRequiredService<IDecisionChangeFeed>();
        await WaitUntilAsync(() => feed.IsHealthy);
        return (engine, prompter, services);
    }

    private static async Task WaitUntilAsync(Func<bool> condition) => await TimeUntilAsync(() => Task.FromResult(condition()));

    private static async Task<TimeSpan> TimeUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Patience, "The condition did not hold in time.");
            await Task.Delay(10, Ct);
        }

        return clock.Elapsed;
    }
}
