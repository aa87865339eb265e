using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests.Access;

public sealed class AccessReportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Subject Alice = new("app-1", "alice");

    [Fact]
    public async Task TryAuthorizeApiAsync_GrantedAndSilentApis_RecordedWithScopeApiAndTime()
    {
        await using var report = Report.Create(PromptResult.Allow);

        await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        report.Time.Advance(TimeSpan.FromMinutes(1));
        await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        await report.Authorizer.TryAuthorizeApiAsync("chooseImage", Alice).Guarded();
        await report.Recorder.FlushAsync(CancellationToken.None).Guarded();

        Assert.Equal(
            [
                new AccessRecord("app-1", "alice", "scope.userLocation", "getLocation", T0),
                new AccessRecord("app-1", "alice", "scope.userLocation", "getLocation", T0.AddMinutes(1)),
                new AccessRecord("app-1", "alice", "", "chooseImage", T0.AddMinutes(1)),
            ],
            await report.Store.ListUserAsync("alice").Guarded());
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_DeniedOrInvalid_NotRecorded()
    {
        await using var report = Report.Create(PromptResult.Deny);

        await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        await report.Authorizer.TryAuthorizeApiAsync("launchMissiles", Alice).Guarded();
        await report.Authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).Guarded();
        await report.Recorder.FlushAsync(CancellationToken.None).Guarded();

        Assert.Empty(await report.Store.ListUserAsync("alice").Guarded());
    }

    [Fact]
    public async Task Writer_UsesRecorded_WrittenOnlyWhenTheFlushIntervalPasses()
    {
        await using var report = Report.Create(PromptResult.Allow, o => o.FlushInterval = TimeSpan.FromSeconds(5));
        await report.StartAsync();

        for (var i = 0; i < 3; i++)
        {
            var outcome = await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
            Assert.True(outcome.Succeeded);
        }

        // The gate returned without writing: the store is written by the background writer alone.
        Assert.Empty(await report.Store.ListUserAsync("alice").Guarded());
        report.Time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(await report.Store.ListUserAsync("alice").Guarded());

        report.Time.Advance(TimeSpan.FromSeconds(1));
        await report.WaitForAsync(3);
        Assert.Single(report.Store.Batches);
    }

    [Fact]
    public async Task Writer_MoreThanABatch_WritesSeveralBatchesOfAtMostBatchSize()
    {
        await using var report = Report.Create(PromptResult.Allow, o => o.BatchSize = 4);
        for (var i = 0; i < 10; i++)
        {
            await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        }

        await report.Recorder.FlushAsync(CancellationToken.None).Guarded();

        Assert.Equal([4, 4, 2], report.Store.Batches);
    }

    [Fact]
    public async Task Writer_HostStops_WritesWhatIsBuffered()
    {
        await using var report = Report.Create(PromptResult.Allow);
        await report.StartAsync();
        await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();

        await report.StopAsync();

        Assert.Single(await report.Store.ListUserAsync("alice").Guarded());
    }

    [Fact]
    public async Task Record_BufferFull_DropsAndCounts()
    {
        await using var report = Report.Create(PromptResult.Allow, o => o.BufferCapacity = 16);
        long dropped = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "uni.authorize.access.dropped" && ReferenceEquals(instrument.Meter.Scope, report.Recorder))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref dropped, value));
        listener.Start();

        for (var i = 0; i < 20; i++)
        {
            Assert.True((await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded()).Succeeded);
        }

        await report.Recorder.FlushAsync(CancellationToken.None).Guarded();

        Assert.Equal(4, Interlocked.Read(ref dropped));
        Assert.Equal(16, (await report.Store.ListUserAsync("alice").Guarded()).Count);
    }

    [Fact]
    public async Task Record_ManyThreads_EveryUseWrittenOnce()
    {
        await using var report = Report.Create(PromptResult.Allow, o => o.BufferCapacity = 1 << 16);
        await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 2000; i++)
            {
                await report.Authorizer.TryAuthorizeApiAsync("getLocation", new Subject("app-1", "alice")).ConfigureAwait(false);
                if (i % 500 == 0)
                {
                    await report.Recorder.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }))).Guarded();
        await report.Recorder.FlushAsync(CancellationToken.None).Guarded();

        Assert.Equal(8001, (await report.Store.ListUserAsync("alice").Guarded()).Count);
    }

    [Fact]
    public async Task Housekeeping_RecordsOlderThanRetention_Pruned()
    {
        await using var report = Report.Create(PromptResult.Allow, o => o.Retention = TimeSpan.FromDays(7));
        await report.Store.AppendAsync([new AccessRecord("app-1", "alice", "scope.userLocation", "getLocation", T0.AddDays(-8)),
            new AccessRecord("app-1", "alice", "scope.userLocation", "getLocation", T0.AddDays(-6))]).AsTask().Guarded();
        var task = report.Services.GetServices<IHousekeepingTask>().Single(t => t.Name == "access_records");

        Assert.Equal(1, await task.PruneAsync(T0, 100, CancellationToken.None).Guarded());
        Assert.Equal([T0.AddDays(-6)], (await report.Store.ListUserAsync("alice").Guarded()).Select(r => r.At));
    }

    [Fact]
    public async Task AddAccessReport_Disabled_NothingRecorded()
    {
        await using var report = Report.Create(PromptResult.Allow, o => o.Enabled = false);

        await report.Authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        await report.Recorder.FlushAsync(CancellationToken.None).Guarded();

        Assert.Empty(await report.Store.ListUserAsync("alice").Guarded());
    }

    [Fact]
    public void AddAccessReport_RetentionOutOfRange_FailsNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddAccessReport(o => o.Retention = TimeSpan.FromMinutes(1));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<AccessRecorder>());
        Assert.Contains("AccessReportOptions.Retention", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAccessReport_ConfigurationSection_BindsSettingsAndNamesTheBadOneByItsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AccessReport:Retention"] = "7.00:00:00",
            ["AccessReport:BatchSize"] = "0",
        }).Build();
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddAccessReport(configuration.GetSection("AccessReport"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AccessReportOptions>>().Value);

        Assert.Contains("AccessReport:BatchSize must be between 1 and 100000", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Retention", error.Message, StringComparison.Ordinal);
    }

    /// <summary>An in-memory store that remembers the size of each appended batch.</summary>
    private sealed class BatchCountingStore : IAccessRecordStore
    {
        private readonly InMemoryAccessRecordStore _inner = new();

        public List<int> Batches { get; } = [];

        public ValueTask AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken = default)
        {
            lock (Batches)
            {
                Batches.Add(records.Count);
            }

            return _inner.AppendAsync(records, cancellationToken);
        }

        public ValueTask<IReadOnlyList<AccessSummary>> SummarizeUserAsync(string userId, string? appId, DateTimeOffset today, DateTimeOffset since,
            CancellationToken cancellationToken = default) => _inner.SummarizeUserAsync(userId, appId, today, since, cancellationToken);

        public ValueTask<IReadOnlyList<AccessAggregate>> AggregateAsync(string? appId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
            _inner.AggregateAsync(appId, since, cancellationToken);

        public ValueTask<IReadOnlyList<AccessRecord>> ListUserAsync(string userId, CancellationToken cancellationToken = default) =>
            _inner.ListUserAsync(userId, cancellationToken);

        public ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default) =>
            _inner.PruneAsync(before, batchSize, cancellationToken);

        public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default) => _inner.EraseUserAsync(userId, cancellationToken);
    }

    private sealed class Report : IAsyncDisposable
    {
        private IHostedService? _writer;

        private Report(ServiceProvider services, FakeTimeProvider time, BatchCountingStore store)
        {
            Services = services;
            Time = time;
            Store = store;
            Authorizer = services.GetRequiredService<Authorizer>();
            Recorder = services.GetRequiredService<AccessRecorder>();
        }

        public ServiceProvider Services { get; }

        public FakeTimeProvider Time { get; }

        public BatchCountingStore Store { get; }

        public Authorizer Authorizer { get; }

        public AccessRecorder Recorder { get; }

        public static Report Create(PromptResult answer, Action<AccessReportOptions>? configure = null)
        {
            var time = new FakeTimeProvider(T0);
            var store = new BatchCountingStore();
            var services = new ServiceCollection();
            services.AddSingleton<TimeProvider>(time);
            services.AddSingleton<IAccessRecordStore>(store);
            services.AddUniAuthorize(o => o.Prompter = new ScriptedPrompter(answer)).AddHousekeeping().AddAccessReport(configure ?? (static _ => { }));
            return new Report(services.BuildServiceProvider(), time, store);
        }

        public Task StartAsync()
        {
            _writer = Services.GetServices<IHostedService>().OfType<AccessRecordWriter>().Single();
            return _writer.StartAsync(CancellationToken.None);
        }

        public async Task StopAsync()
        {
            await _writer!.StopAsync(CancellationToken.None).Guarded();
            _writer = null;
        }

        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TestAuthorizer.Guard);
            while ((await Store.ListUserAsync("alice").Guarded()).Count < count)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_writer is not null)
            {
                await StopAsync();
            }

            await Services.DisposeAsync();
        }
    }
}
