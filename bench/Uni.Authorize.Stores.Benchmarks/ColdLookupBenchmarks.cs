using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.Stores.Benchmarks;

/// <summary>One decision among 100,000, cache off: the SQLite store against OpenIddict's authorization manager on
/// EF Core SQLite, same data, same keys.</summary>
[MemoryDiagnoser]
public class ColdLookupBenchmarks
{
    private const int Count = 100_000;
    private (Subject Subject, string Scope)[] _keys = [];
    private int _next;
    private ServiceProvider? _provider;
    private IDecisionStore _store = null!;
    private OpenIddictPeer _peer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = BenchmarkData.LookupKeys(Count);
        var services = new ServiceCollection();
        services.AddUniAuthorize().AddSqliteStore(BenchmarkData.SqliteFile(Count));
        _provider = services.BuildServiceProvider();
        _store = _provider.GetRequiredService<IDecisionStore>();
        _peer = new OpenIddictPeer(Count);
        foreach (var (subject, scope) in _keys.Take(64))
        {
            var decision = _store.GetAsync(subject, scope).AsTask().GetAwaiter().GetResult();
            var granted = _peer.FindAsync(subject, scope).AsTask().GetAwaiter().GetResult();
            if (decision is null || granted != (decision.State == DecisionState.Granted))
            {
                throw new InvalidOperationException("The two stores do not hold the same data.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _peer.Dispose();
        _provider?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Uni.Authorize SQLite store GetAsync (cache off)")]
    public async ValueTask<Decision?> Sqlite()
    {
        var (subject, scope) = _keys[_next++ & (_keys.Length - 1)];
        return await _store.GetAsync(subject, scope);
    }

    [Benchmark(Description = "OpenIddict IOpenIddictAuthorizationManager.FindAsync on EF Core SQLite (peer)")]
    public async ValueTask<bool> OpenIddict()
    {
        var (subject, scope) = _keys[_next++ & (_keys.Length - 1)];
        return await _peer.FindAsync(subject, scope);
    }
}
