using BenchmarkDotNet.Attributes;
using Uni.Authorize.PostgreSql;

namespace Uni.Authorize.Stores.Benchmarks;

/// <summary>Durable decision writes: each is a committed transaction (row, audit entry, change notification).
/// Writes per second are 1 / Mean.</summary>
[MemoryDiagnoser]
public class PostgreSqlWritesBenchmarks
{
    private const int Concurrent = 16;
    private PostgreSqlDatabase _database = null!;
    private PostgreSqlDecisionStore _store = null!;
    private long _next;

    [GlobalSetup]
    public void Setup()
    {
        _database = PostgreSqlBenchmarkDatabase.Open(PostgreSqlBenchmarkDatabase.NewSchema("bench_writes"));
        _store = new PostgreSqlDecisionStore(_database);
    }

    [GlobalCleanup]
    public void Cleanup() => PostgreSqlBenchmarkDatabase.Drop(_database);

    [Benchmark(Baseline = true, Description = "First decision, one writer")]
    public async Task<DecisionWriteResult> OneWriter() => await WriteNewAsync();

    [Benchmark(OperationsPerInvoke = Concurrent, Description = "First decision, 16 concurrent writers (per write)")]
    public async Task ConcurrentWriters()
    {
        var writes = new Task<DecisionWriteResult>[Concurrent];
        for (var i = 0; i < Concurrent; i++)
        {
            writes[i] = WriteNewAsync();
        }

        foreach (var result in await Task.WhenAll(writes))
        {
            if (!result.Written)
            {
                throw new InvalidOperationException("A first write of a fresh key conflicted.");
            }
        }
    }

    private async Task<DecisionWriteResult> WriteNewAsync()
    {
        var user = "user-" + Interlocked.Increment(ref _next);
        return await _store.TryWriteAsync(new DecisionWrite(
            new Subject("bench-app", user), "scope.userLocation", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UtcNow, null, 0));
    }
}
