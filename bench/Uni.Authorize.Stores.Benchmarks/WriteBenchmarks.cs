using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.Stores.Benchmarks;

/// <summary>Durable first decisions: each call is one committed transaction (decision row and its audit entry,
/// synchronous = FULL). Decisions per second = 1 / Mean.</summary>
[MemoryDiagnoser]
public class WriteBenchmarks
{
    private readonly string _folder = Path.Combine(BenchmarkData.Folder, "writes-" + Guid.NewGuid().ToString("N"));
    private ServiceProvider? _provider;
    private IDecisionStore _store = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddSqliteStore(Path.Combine(_folder, "writes.db"));
        _provider = services.BuildServiceProvider();
        _store = _provider.GetRequiredService<IDecisionStore>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "SQLite store TryWriteAsync, a new decision")]
    public async ValueTask<DecisionWriteResult> Write()
    {
        var result = await _store.TryWriteAsync(new DecisionWrite(new Subject("app-1", $"user-{_next++}"), "scope.camera",
            DecisionState.Granted, DecisionSource.Prompt, BenchmarkData.DecidedAt, null, 0));
        return result.Written ? result : throw new InvalidOperationException("A first write conflicted.");
    }
}
