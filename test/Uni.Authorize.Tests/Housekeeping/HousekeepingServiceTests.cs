using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests.Housekeeping;

public sealed class HousekeepingServiceTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider _logs = new();
    private ServiceProvider? _services;
    private MeterCapture? _meter;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            foreach (var hosted in _services.GetServices<IHostedService>())
            {
                await hosted.StopAsync(CancellationToken.None);
            }

            await _services.DisposeAsync();
        }

        _meter?.Dispose();
    }

    [Fact]
    public async Task Round_IntervalPassed_PrunesExpiredRowsOfEveryKindInBatchesAndKeepsLiveOnes()
    {
        await StartAsync(o => o.BatchSize = 2);
        var start = _time.GetUtcNow();
        var decisions = _services!.GetRequiredService<IDecisionStore>();
        var codes = _services!.GetRequiredService<IAuthCodeStore>();
        var identities = _services!.GetRequiredService<IIdentityStore>();
        for (var i = 0; i < 5; i++)
        {
            await decisions.TryWriteAsync(new DecisionWrite(new Subject("app-1", $"u{i}"), "scope.camera", DecisionState.Granted, DecisionSource.Prompt, start, start.AddMinutes(1), 0), Ct);
        }

        var live = new Subject("app-1", "live");
        await decisions.TryWriteAsync(new DecisionWrite(live, "scope.camera", DecisionState.Granted, DecisionSource.Prompt, start, start.AddDays(1), 0), Ct);
        await codes.AddAsync(new AuthCodeRecord("expired", live, ["auth_base"], start, start.AddMinutes(1)), Ct);
        await codes.AddAsync(new AuthCodeRecord("redeemed", live, ["auth_base"], start, start.AddDays(1)), Ct);
        await codes.RedeemAsync("redeemed", "app-1", start, Ct);
        await codes.AddAsync(new AuthCodeRecord("fresh", live, ["auth_base"], start, start.AddDays(1)), Ct);
        await identities.AddSessionAsync(new MiniAppSession("gone", "app-1", "live", start, start.AddMinutes(1)), Ct);
        await identities.AddSessionAsync(new MiniAppSession("kept", "app-1", "live", start, start.AddDays(1)), Ct);

        await RoundAsync();

        Assert.Equal([2, 2, 1], _meter!.Pruned("decisions"));
        Assert.Equal([2], _meter.Pruned("auth_codes"));
        Assert.Equal([1], _meter.Pruned("sessions"));
        Assert.Equal(["completed"], _meter.Rounds);
        Assert.Equal(["scope.camera"], (await decisions.ListAsync(live, Ct)).Select(d => d.Scope));
        Assert.Null(await decisions.GetAsync(new Subject("app-1", "u0"), "scope.camera", Ct));
        Assert.Equal(AuthCodeRedemptionStatus.Invalid, (await codes.RedeemAsync("expired", "app-1", _time.GetUtcNow(), Ct)).Status);
        Assert.True((await codes.RedeemAsync("fresh", "app-1", _time.GetUtcNow(), Ct)).Succeeded);
        Assert.Null(await identities.GetSessionAsync("gone", Ct));
        Assert.NotNull(await identities.GetSessionAsync("kept", Ct));
    }

    [Fact]
    public async Task Round_BeforeTheInterval_DoesNotRun()
    {
        var task = new ScriptedTask("extra", static _ => 0);
        await StartAsync(extra: task);

        _time.Advance(Interval - TimeSpan.FromSeconds(1));
        await Task.Delay(100, Ct);

        Assert.Equal(0, task.Calls);
        await RoundAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(1, task.Calls);
    }

    [Fact]
    public async Task Round_TaskThrows_LoggedOtherTasksRunAndTheNextRoundRuns()
    {
        var failing = new ScriptedTask("broken", call => call == 1 ? throw new InvalidOperationException("store down") : 0);
        await StartAsync(extra: failing);
        var start = _time.GetUtcNow();
        var codes = _services!.GetRequiredService<IAuthCodeStore>();
        await codes.AddAsync(new AuthCodeRecord("expired", new Subject("app-1", "u"), ["auth_base"], start, start.AddMinutes(1)), Ct);

        await RoundAsync();
        await RoundAsync();

        Assert.Equal(["failed", "completed"], _meter!.Rounds);
        Assert.Equal(2, failing.Calls);
        Assert.Equal([1], _meter.Pruned("auth_codes"));
        var error = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("broken", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.Exception);
    }

    [Fact]
    public async Task Round_AnotherInstanceHoldsTheLock_SkippedWithoutPruning()
    {
        var task = new ScriptedTask("extra", static _ => 0);
        await StartAsync(extra: task, housekeepingLock: new HeldElsewhereLock());

        await RoundAsync();

        Assert.Equal(["skipped"], _meter!.Rounds);
        Assert.Equal(0, task.Calls);
    }

    [Fact]
    public async Task ExecuteAsync_Disabled_RunsNoRound()
    {
        var task = new ScriptedTask("extra", static _ => 0);
        await StartAsync(o => o.Enabled = false, extra: task);

        _time.Advance(Interval * 3);
        await Task.Delay(100, Ct);

        Assert.Equal(0, task.Calls);
        Assert.Empty(_meter!.Rounds);
    }

    [Theory]
    [InlineData(0, "BatchSize")]
    [InlineData(200_000, "BatchSize")]
    [InlineData(-1, "Interval")]
    public void AddHousekeeping_SettingOutOfRange_FailsNamingIt(int value, string setting)
    {
        using var services = new ServiceCollection()
            .AddUniAuthorize()
            .AddHousekeeping(o =>
            {
                if (setting == "BatchSize")
                {
                    o.BatchSize = value;
                }
                else
                {
                    o.Interval = TimeSpan.FromSeconds(value);
                }
            })
            .Services.BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IOptions<HousekeepingOptions>>().Value);

        Assert.Contains("HousekeepingOptions." + setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHousekeeping_Twice_OneServiceAndOneOfEachTask()
    {
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddHousekeeping().AddHousekeeping(o => o.BatchSize = 10);
        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IHostedService>());
        Assert.Equal(["auth_codes", "decisions", "sessions"], provider.GetServices<IHousekeepingTask>().Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal(10, provider.GetRequiredService<IOptions<HousekeepingOptions>>().Value.BatchSize);
    }

    private async Task StartAsync(Action<HousekeepingOptions>? configure = null, IHousekeepingTask? extra = null, IHousekeepingLock? housekeepingLock = null)
    {
        var collection = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<ILoggerFactory>(new LoggerFactory([_logs]))
            .AddSingleton<IIdentityStore, InMemoryIdentityStore>();
        if (housekeepingLock is not null)
        {
            collection.AddSingleton(housekeepingLock);
        }

        if (extra is not null)
        {
            collection.AddSingleton(extra);
        }

        collection.AddUniAuthorize().AddHousekeeping(o =>
        {
            o.Interval = Interval;
            configure?.Invoke(o);
        });
        _services = collection.BuildServiceProvider();
        var hosted = Assert.Single(_services.GetServices<IHostedService>());
        _meter = new MeterCapture(hosted);
        await hosted.StartAsync(Ct);
    }

    private async Task RoundAsync(TimeSpan? advance = null)
    {
        var before = _meter!.Rounds.Count;
        _time.Advance(advance ?? Interval);
        var deadline = DateTime.UtcNow + Wait;
        while (_meter.Rounds.Count == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "No housekeeping round ran.");
            await Task.Delay(5, Ct);
        }
    }

    private sealed class ScriptedTask(string name, Func<int, int> prune) : IHousekeepingTask
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Name => name;

        public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
            new(prune(Interlocked.Increment(ref _calls)));
    }

    private sealed class HeldElsewhereLock : IHousekeepingLock
    {
        public ValueTask<IAsyncDisposable?> TryAcquireAsync(CancellationToken cancellationToken) => new((IAsyncDisposable?)null);
    }
}

/// <summary>What the <c>Uni.Authorize</c> meter of one owner reports: pruned rows by kind, and round outcomes in order.</summary>
internal sealed class MeterCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Kind, long Rows)> _pruned = new();
    private readonly ConcurrentQueue<string> _rounds = new();

    public MeterCapture(object owner)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Uni.Authorize" && ReferenceEquals(instrument.Meter.Scope, owner))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tag = tags.Length > 0 ? tags[0].Value as string ?? "" : "";
            if (instrument.Name == "uni.authorize.pruned")
            {
                _pruned.Enqueue((tag, value));
            }
            else if (instrument.Name == "uni.authorize.housekeeping.rounds")
            {
                _rounds.Enqueue(tag);
            }
        });
        _listener.Start();
    }

    public IReadOnlyList<string> Rounds => [.. _rounds];

    public IReadOnlyList<long> Pruned(string kind) => [.. _pruned.Where(p => p.Kind == kind).Select(p => p.Rows)];

    public void Dispose() => _listener.Dispose();
}

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, formatter(state, exception), exception));
    }
}
