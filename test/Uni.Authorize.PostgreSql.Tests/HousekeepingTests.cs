using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class HousekeepingTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static readonly Subject Alice = new("app-1", "alice");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ImportDecisionsAsync_ExportFromOneDatabase_RecreatesTheAnswersInAnother()
    {
        await using var sourceServices = Engine(PostgreSqlFixture.NewSchema());
        await using var targetServices = Engine(PostgreSqlFixture.NewSchema());
        var source = sourceServices.GetRequiredService<Authorizer>();
        var target = targetServices.GetRequiredService<Authorizer>();
        await new DecisionManager(source).SetDecisionAsync(Alice, "scope.camera", DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        await new DecisionManager(source).SetDecisionAsync(Alice, "scope.record", DecisionState.Granted, cancellationToken: Ct);
        using var exported = new MemoryStream();
        await new DecisionManager(source).ExportDecisionsAsync(Alice, exported, Ct);

        var result = await new DecisionManager(target).ImportDecisionsAsync(Alice, new MemoryStream(exported.ToArray()), cancellationToken: Ct);

        Assert.Equal(["scope.camera", "scope.record"], result.Imported.Order(StringComparer.Ordinal));
        var imported = await targetServices.GetRequiredService<IDecisionStore>().ListAsync(Alice, Ct);
        Assert.Equal(
            [("scope.camera", DecisionState.Denied), ("scope.record", DecisionState.Granted)],
            imported.Select(d => (d.Scope, d.State)));
    }

    [Fact]
    public async Task HousekeepingService_Round_DeletesExpiredDecisionsAndUsedCodesFromPostgreSql()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var services = Host(schema);
        var decisions = services.GetRequiredService<DecisionManager>();
        var codes = services.GetRequiredService<AuthCodeService>();
        var store = services.GetRequiredService<IDecisionStore>();
        var now = _time.GetUtcNow();
        await store.TryWriteAsync(new DecisionWrite(Alice, "scope.camera", DecisionState.Granted, DecisionSource.Prompt, now, now.AddMinutes(1), 0), Ct);
        await decisions.SetDecisionAsync(Alice, "scope.record", DecisionState.Granted, cancellationToken: Ct);
        var used = await codes.IssueAuthCodeAsync(Alice, ["auth_base"], Ct);
        Assert.True((await codes.RedeemAuthCodeAsync("app-1", used, Ct)).Succeeded);
        await codes.IssueAuthCodeAsync(Alice, ["auth_base"], Ct);
        var host = services.GetServices<IHostedService>().Single();
        using var meters = new RoundMeter([host]);
        await host.StartAsync(Ct);
        try
        {
            _time.Advance(TimeSpan.FromMinutes(10));
            await meters.WaitAsync(m => m.Outcomes.Count == 1);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        Assert.Equal("completed", Assert.Single(meters.Outcomes).Outcome);
        Assert.Equal("scope.record", Assert.Single(await store.ListAsync(Alice, Ct)).Scope);
        Assert.Equal(0L, await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".auth_codes"));
    }

    [Fact]
    public async Task HousekeepingService_TwoHostsOnOneSchema_OnlyOnePrunesPerRound()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holders = new ConcurrentQueue<string>();
        await using var first = Host(schema, new HoldingTask("first", holders, release.Task));
        await using var second = Host(schema, new HoldingTask("second", holders, release.Task));
        var start = _time.GetUtcNow();
        var store = first.GetRequiredService<IDecisionStore>();
        for (var i = 0; i < 5; i++)
        {
            await store.TryWriteAsync(new DecisionWrite(new Subject("app-1", $"u{i}"), "scope.camera", DecisionState.Granted, DecisionSource.Prompt, start, start.AddMinutes(1), 0), Ct);
        }

        var hosts = new[] { first, second }.Select(p => p.GetServices<IHostedService>().Single()).ToArray();
        using var meters = new RoundMeter(hosts);
        foreach (var host in hosts)
        {
            await host.StartAsync(Ct);
        }

        try
        {
            _time.Advance(TimeSpan.FromMinutes(5));
            // One host holds the lock (its round is parked in the holding task); the other's round finds it taken.
            await meters.WaitAsync(m => m.Outcomes.Count(o => o.Outcome == "skipped") == 1 && holders.Count == 1);
            release.SetResult();
            await meters.WaitAsync(m => m.Outcomes.Count == 2);

            var winner = Array.IndexOf(hosts, meters.Outcomes.Single(o => o.Outcome == "completed").Host);
            Assert.Equal(winner == 0 ? "first" : "second", Assert.Single(holders));
            var prunedDecisions = meters.Pruned.Where(p => p.Kind == "decisions").ToArray();
            Assert.All(prunedDecisions, p => Assert.Same(hosts[winner], p.Host));
            Assert.Equal(5, prunedDecisions.Sum(p => p.Rows));
            Assert.Equal(0L, await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".decisions"));
        }
        finally
        {
            release.TrySetResult();
            foreach (var host in hosts)
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task HousekeepingLock_HeldAndReleased_OthersSkipThenAcquire()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var first = Host(schema);
        await using var second = Host(schema);
        var firstLock = first.GetRequiredService<IHousekeepingLock>();
        var secondLock = second.GetRequiredService<IHousekeepingLock>();

        var held = await firstLock.TryAcquireAsync(Ct);
        Assert.NotNull(held);
        Assert.Null(await secondLock.TryAcquireAsync(Ct));
        Assert.Null(await firstLock.TryAcquireAsync(Ct));
        await held.DisposeAsync();
        var next = await secondLock.TryAcquireAsync(Ct);

        Assert.NotNull(next);
        await next.DisposeAsync();
    }

    private ServiceProvider Host(string schema, IHousekeepingTask? holding = null)
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(_time);
        if (holding is not null)
        {
            services.AddSingleton(holding);
        }

        return services
            .AddUniAuthorize(options => options.Prompter = new TestPrompter(PromptResult.Allow))
            .AddPostgreSqlStore(options =>
            {
                options.ConnectionString = fixture.ConnectionString;
                options.Schema = schema;
            })
            .AddHousekeeping(options => options.Interval = TimeSpan.FromMinutes(5))
            .Services.BuildServiceProvider();
    }

    private ServiceProvider Engine(string schema) =>
        new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddUniAuthorize(options =>
            {
                options.Prompter = new TestPrompter(PromptResult.Allow);
            })
            .AddPostgreSqlStore(options =>
            {
                options.ConnectionString = fixture.ConnectionString;
                options.Schema = schema;
            })
            .Services.BuildServiceProvider();
}

/// <summary>A housekeeping task that records which host ran it and waits for the test to let the round go on.</summary>
internal sealed class HoldingTask(string host, ConcurrentQueue<string> holders, Task release) : IHousekeepingTask
{
    public string Name => "holding";

    public async ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        holders.Enqueue(host);
        await release.WaitAsync(cancellationToken);
        return 0;
    }
}

/// <summary>Round outcomes and pruned rows reported on the <c>Uni.Authorize</c> meter by each of some housekeeping services.</summary>
internal sealed class RoundMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(object Host, string Outcome)> _outcomes = new();
    private readonly ConcurrentQueue<(object Host, string Kind, long Rows)> _pruned = new();

    public RoundMeter(IReadOnlyCollection<object> hosts)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Uni.Authorize" && hosts.Contains(instrument.Meter.Scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tag = tags.Length > 0 ? tags[0].Value as string ?? "" : "";
            if (instrument.Name == "uni.authorize.housekeeping.rounds")
            {
                _outcomes.Enqueue((instrument.Meter.Scope!, tag));
            }
            else if (instrument.Name == "uni.authorize.pruned")
            {
                _pruned.Enqueue((instrument.Meter.Scope!, tag, value));
            }
        });
        _listener.Start();
    }

    public IReadOnlyList<(object Host, string Outcome)> Outcomes => [.. _outcomes];

    public IReadOnlyList<(object Host, string Kind, long Rows)> Pruned => [.. _pruned];

    public async Task WaitAsync(Func<RoundMeter, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition(this))
        {
            Assert.True(DateTime.UtcNow < deadline, "The housekeeping rounds did not reach the expected state.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    public void Dispose() => _listener.Dispose();
}
