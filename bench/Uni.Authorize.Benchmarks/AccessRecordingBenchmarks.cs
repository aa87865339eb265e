using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Uni.Authorize.Benchmarks;

/// <summary>The API gate's call of a granted API (<c>getLocation</c>) with the access report recording each use, against
/// the same call with recording off, beside the granted-scope check. Recording must add no allocation.</summary>
[MemoryDiagnoser]
public class AccessRecordingBenchmarks
{
    private const string Scope = "scope.userLocation";

    private ServiceProvider _off = null!;
    private ServiceProvider _on = null!;
    private Authorizer _recordingOff = null!;
    private Authorizer _recordingOn = null!;
    private IHostedService[] _writers = [];
    private CountingStore _store = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new CountingStore();
        _off = Build(recording: false);
        _on = Build(recording: true);
        _recordingOff = Grant(_off);
        _recordingOn = Grant(_on);
        // The background writer empties the buffer as it would in a host, so the calls measure recording, not dropping.
        _writers = [.. _on.GetServices<IHostedService>()];
        foreach (var writer in _writers)
        {
            writer.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var writer in _writers)
        {
            writer.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        }

        Console.WriteLine($"// Access records written: {_store.Written:N0}");
        _on.Dispose();
        _off.Dispose();
    }

    [Benchmark(Description = "AuthorizeAsync, granted scope (reference)")]
    public AuthorizeResult GrantedScope()
    {
        var pending = _recordingOff.AuthorizeAsync(Scope);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "TryAuthorizeApiAsync getLocation, granted, recording off")]
    public AuthorizeOutcome ApiRecordingOff() => Call(_recordingOff);

    [Benchmark(Description = "TryAuthorizeApiAsync getLocation, granted, recording on")]
    public AuthorizeOutcome ApiRecordingOn() => Call(_recordingOn);

    private static AuthorizeOutcome Call(Authorizer authorizer)
    {
        var pending = authorizer.TryAuthorizeApiAsync("getLocation");
        var outcome = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        return outcome.Succeeded ? outcome : throw new InvalidOperationException("The granted call failed.");
    }

    private ServiceProvider Build(bool recording)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IAccessRecordStore>(_store);
        services.AddUniAuthorize().AddAccessReport(o =>
        {
            o.Enabled = recording;
            o.BufferCapacity = 1 << 20;
            o.FlushInterval = TimeSpan.FromMilliseconds(10);
            o.BatchSize = 100_000;
        });
        return services.BuildServiceProvider();
    }

    private static Authorizer Grant(ServiceProvider services)
    {
        var authorizer = services.GetRequiredService<Authorizer>();
        services.GetRequiredService<DecisionManager>().SetDecisionAsync(Subject.Default, Scope, DecisionState.Granted).AsTask().GetAwaiter().GetResult();
        return authorizer;
    }

    // Counts and forgets: the benchmark measures the gate, not a database.
    private sealed class CountingStore : IAccessRecordStore
    {
        private long _written;

        public long Written => Interlocked.Read(ref _written);

        public ValueTask AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken = default)
        {
            Interlocked.Add(ref _written, records.Count);
            return ValueTask.CompletedTask;
        }

        public ValueTask<IReadOnlyList<AccessSummary>> SummarizeUserAsync(string userId, string? appId, DateTimeOffset today, DateTimeOffset since,
            CancellationToken cancellationToken = default) => new([]);

        public ValueTask<IReadOnlyList<AccessAggregate>> AggregateAsync(string? appId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
            new([]);

        public ValueTask<IReadOnlyList<AccessRecord>> ListUserAsync(string userId, CancellationToken cancellationToken = default) => new([]);

        public ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default) => new(0);

        public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default) => new(0);
    }
}
