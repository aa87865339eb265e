using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.Stores.Benchmarks;

/// <summary>Cold lookup (cache off) as the table grows a hundredfold.</summary>
[MemoryDiagnoser]
public class ScaleBenchmarks
{
    private (Subject Subject, string Scope)[] _keys = [];
    private int _next;
    private ServiceProvider? _provider;
    private IDecisionStore _store = null!;

    [Params(10_000, 1_000_000)]
    public int Decisions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _keys = BenchmarkData.LookupKeys(Decisions);
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddSqliteStore(BenchmarkData.SqliteFile(Decisions));
        _provider = services.BuildServiceProvider();
        _store = _provider.GetRequiredService<IDecisionStore>();
    }

    [GlobalCleanup]
    public void Cleanup() => _provider?.Dispose();

    [Benchmark(Description = "SQLite store GetAsync (cache off)")]
    public async ValueTask<Decision?> Lookup()
    {
        var (subject, scope) = _keys[_next++ & (_keys.Length - 1)];
        return await _store.GetAsync(subject, scope);
    }
}
