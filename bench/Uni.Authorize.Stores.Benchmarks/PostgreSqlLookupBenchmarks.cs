using BenchmarkDotNet.Attributes;
using Uni.Authorize.PostgreSql;

namespace Uni.Authorize.Stores.Benchmarks;

/// <summary>Looking up one decision among 100,000 stored: the in-memory store (baseline), the cache in front of
/// PostgreSQL with its change feed listening, and PostgreSQL itself (cache off).</summary>
[MemoryDiagnoser]
public class PostgreSqlLookupBenchmarks
{
    private const string Scope = "scope.userLocation";
    private const int Stored = 100_000;
    private static readonly Subject Target = new("bench-app", "user-50000");

    private readonly InMemoryDecisionStore _memory = new();
    private PostgreSqlDatabase _database = null!;
    private PostgreSqlDecisionStore _postgres = null!;
    private PostgreSqlDecisionChangeFeed _feed = null!;
    private CachingDecisionStore _cached = null!;

    [GlobalSetup]
    public void Setup()
    {
        _database = PostgreSqlBenchmarkDatabase.Open(PostgreSqlBenchmarkDatabase.NewSchema("bench_lookups"));
        PostgreSqlBenchmarkDatabase.Execute(_database,
            $"""
            INSERT INTO {_database.Table.Decisions} (app_id, user_id, scope, state, source, decided_at, expires_at, version)
            SELECT 'bench-app', 'user-' || n, '{Scope}', 1, 0, now(), NULL, 1 FROM generate_series(1, {Stored}) AS n;
            ANALYZE {_database.Table.Decisions};
            """);
        _postgres = new PostgreSqlDecisionStore(_database);
        _feed = new PostgreSqlDecisionChangeFeed(_database);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_feed.IsHealthy)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("The change feed did not start listening.");
            }

            Thread.Sleep(10);
        }

        _cached = new CachingDecisionStore(_postgres, new DecisionCacheOptions(), _feed);
        for (var n = 1; n <= 1_000; n++)
        {
            var subject = new Subject("bench-app", "user-" + (Stored / 2 - 500 + n));
            _memory.TryWriteAsync(new DecisionWrite(subject, Scope, DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UnixEpoch, null, 0)).AsTask().GetAwaiter().GetResult();
        }

        if (Lookup(_cached)?.State != DecisionState.Granted || Lookup(_memory)?.State != DecisionState.Granted || _cached.Count != 1)
        {
            throw new InvalidOperationException("The target decision is not stored and cached.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cached.Dispose();
        _feed.Dispose();
        PostgreSqlBenchmarkDatabase.Drop(_database);
    }

    [Benchmark(Baseline = true, Description = "In-memory store")]
    public Decision? InMemory() => Lookup(_memory);

    [Benchmark(Description = "Cache over PostgreSQL, feed listening")]
    public Decision? CachedPostgreSql() => Lookup(_cached);

    [Benchmark(Description = "PostgreSQL, cache off (one round trip)")]
    public Decision? PostgreSql() => Lookup(_postgres);

    private static Decision? Lookup(IDecisionStore store)
    {
        var pending = store.GetAsync(Target, Scope);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
