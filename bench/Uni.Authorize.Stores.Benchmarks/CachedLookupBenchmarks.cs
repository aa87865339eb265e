using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.Stores.Benchmarks;

/// <summary>A cached hit in front of the SQLite store against the in-memory store's lookup: the engine's hot path.</summary>
[MemoryDiagnoser]
public class CachedLookupBenchmarks
{
    private static readonly Subject Subject = new("app-0000", "user-0007");
    private ServiceProvider? _provider;
    private IDecisionStore _cached = null!;
    private InMemoryDecisionStore _memory = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddSqliteStore(BenchmarkData.SqliteFile(10_000)).AddDecisionCache();
        _provider = services.BuildServiceProvider();
        _cached = _provider.GetRequiredService<IDecisionStore>();
        _memory = new InMemoryDecisionStore();
        foreach (var scope in BenchmarkData.Scopes)
        {
            _memory.TryWriteAsync(new DecisionWrite(Subject, scope, DecisionState.Granted, DecisionSource.Prompt, BenchmarkData.DecidedAt, null, 0)).AsTask().GetAwaiter().GetResult();
            _ = _cached.GetAsync(Subject, scope).AsTask().GetAwaiter().GetResult() ?? throw new InvalidOperationException("The benchmark data is missing.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    [Benchmark(Baseline = true, Description = "InMemoryDecisionStore.GetAsync")]
    public ValueTask<Decision?> InMemory() => _memory.GetAsync(Subject, "scope.camera");

    [Benchmark(Description = "CachingDecisionStore.GetAsync over SQLite, cached")]
    public ValueTask<Decision?> Cached() => _cached.GetAsync(Subject, "scope.camera");
}
