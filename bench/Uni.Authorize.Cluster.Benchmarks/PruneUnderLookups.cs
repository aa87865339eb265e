using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Uni.Authorize.Cluster.Benchmarks;

/// <summary>
/// Granted lookups on PostgreSQL while housekeeping prunes expired decisions. The schema is migrated by the store, then
/// 100,000 live grants and the expired rows are inserted with one <c>INSERT ... SELECT generate_series</c> each (triggers
/// off for the load only). One loop times, alternately, a lookup of a random live grant in the PostgreSQL store with
/// the cache off (one round trip each) and <see cref="Authorizer.TryAuthorizeAsync"/> of a granted scope through the
/// decision cache (change feed listening, as on a host). First idle, then from the start of the real
/// <c>HousekeepingService</c> (default batch size, first round one second after start) until every expired row is gone.
/// </summary>
internal static class PruneUnderLookups
{
    private const string App = "bench-app";
    private const string Scope = "scope.userLocation";
    private const int Live = 100_000;
    private const int Hot = 1_000;
    private static readonly TimeSpan FirstRound = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(string connectionString, int rows, TimeSpan idleFor)
    {
        var direct = new ServiceCollection();
        direct.AddUniAuthorize().AddPostgreSqlStore(connectionString);
        await using var directServices = direct.BuildServiceProvider();
        var store = directServices.GetRequiredService<IDecisionStore>();
        await store.GetAsync(new Subject(App, "live-1"), Scope);   // migrates the schema

        await using (var data = NpgsqlDataSource.Create(connectionString))
        {
            var load = Stopwatch.StartNew();
            await ExecuteAsync(data, $"""
                BEGIN;
                SET LOCAL session_replication_role = replica;
                INSERT INTO uni_authorize.decisions (app_id, user_id, scope, state, source, decided_at, expires_at, version)
                SELECT '{App}', 'live-' || n, '{Scope}', 1, 0, now(), now() + interval '365 days', 1 FROM generate_series(1, {Live}) AS n;
                INSERT INTO uni_authorize.decisions (app_id, user_id, scope, state, source, decided_at, expires_at, version)
                SELECT '{App}', 'expired-' || n, '{Scope}', 1, 0, now() - interval '400 days', now() - interval '35 days', 1 FROM generate_series(1, {rows}) AS n;
                COMMIT;
                VACUUM ANALYZE uni_authorize.decisions;
                CHECKPOINT;
                """);
            Console.WriteLine($"Inserted {Live:N0} live grants and {rows:N0} expired decisions in {load.Elapsed.TotalSeconds:0.0} s; {await SizeAsync(data)}");
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddUniAuthorize().AddPostgreSqlStore(connectionString).AddDecisionCache().AddHousekeeping(o => o.Interval = FirstRound);
        using var host = builder.Build();
        var authorizer = host.Services.GetRequiredService<Authorizer>();
        for (var n = 1; n <= Hot; n++)
        {
            await AuthorizeAsync(authorizer, n);
        }

        var random = new Random(7);
        var idleStore = new Samples("store lookup, cache off (PostgreSQL round trip)");
        var idleCached = new Samples("authorize, granted, through the decision cache");
        await LookUpAsync(store, authorizer, random, idleStore, idleCached, () => false, idleFor);

        var pruned = 0L;
        var batches = 0;
        var clock = Stopwatch.StartNew();
        var lastBatchAt = TimeSpan.Zero;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == UniAuthorizeTelemetry.MeterName && instrument.Name == "uni.authorize.pruned")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "kind", Value: "decisions" })
                {
                    lastBatchAt = clock.Elapsed;
                    Interlocked.Increment(ref batches);
                    Interlocked.Add(ref pruned, value);
                }
            }
        });
        listener.Start();

        var busyStore = new Samples("store lookup, cache off (PostgreSQL round trip)");
        var busyCached = new Samples("authorize, granted, through the decision cache");
        clock.Restart();
        await host.StartAsync();
        await LookUpAsync(store, authorizer, random, busyStore, busyCached, () => Interlocked.Read(ref pruned) >= rows, TimeSpan.FromMinutes(30));
        var pruning = lastBatchAt - FirstRound;
        await host.StopAsync();

        await using (var data = NpgsqlDataSource.Create(connectionString))
        {
            var left = await ScalarAsync(data, "SELECT count(*) FROM uni_authorize.decisions WHERE expires_at <= now()");
            var live = await ScalarAsync(data, "SELECT count(*) FROM uni_authorize.decisions WHERE expires_at > now()");
            if (left != 0 || live != Live)
            {
                throw new InvalidOperationException($"After pruning: {left} expired and {live} live rows, expected 0 and {Live}.");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Pruned {Interlocked.Read(ref pruned):N0} expired decisions in {batches:N0} batches in {pruning.TotalSeconds:0.0} s "
            + $"({Interlocked.Read(ref pruned) / Math.Max(pruning.TotalSeconds, 0.001):N0} rows/s), default batch size; {Live:N0} live grants kept.");
        Console.WriteLine();
        Console.WriteLine("| lookup | phase | n | p50 | p90 | p99 | max | mean |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (samples, phase) in new[] { (idleStore, "idle"), (busyStore, "while pruning"), (idleCached, "idle"), (busyCached, "while pruning") })
        {
            Console.WriteLine(samples.Row().Replace($"| {samples.Name} |", $"| {samples.Name} | {phase} |", StringComparison.Ordinal));
        }

        Console.WriteLine();
        Console.WriteLine($"p99 while pruning / idle: store {busyStore.Percentile(99) / idleStore.Percentile(99):0.00}x, "
            + $"cached authorize {busyCached.Percentile(99) / idleCached.Percentile(99):0.00}x (target ≤ 2x)");
    }

    private static async Task LookUpAsync(IDecisionStore store, Authorizer authorizer, Random random, Samples direct, Samples cached, Func<bool> done,
        TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!done() && clock.Elapsed < limit)
        {
            var started = Stopwatch.GetTimestamp();
            var decision = await store.GetAsync(new Subject(App, "live-" + random.Next(1, Live + 1)), Scope);
            direct.Add(Stopwatch.GetElapsedTime(started));
            if (decision?.State != DecisionState.Granted)
            {
                throw new InvalidOperationException("A live grant was not found.");
            }

            started = Stopwatch.GetTimestamp();
            await AuthorizeAsync(authorizer, random.Next(1, Hot + 1));
            cached.Add(Stopwatch.GetElapsedTime(started));
        }

        if (!done() && limit > TimeSpan.FromMinutes(1))
        {
            throw new TimeoutException($"Pruning did not end within {limit}.");
        }
    }

    private static async ValueTask AuthorizeAsync(Authorizer authorizer, int n)
    {
        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(Scope) { Subject = new Subject(App, "live-" + n), Platform = Platform.WeChat });
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException("A granted scope was refused: " + outcome.Error);
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        command.CommandTimeout = 1200;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        command.CommandTimeout = 600;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string> SizeAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand("SELECT pg_size_pretty(pg_total_relation_size('uni_authorize.decisions'))");
        return $"table with indexes {await command.ExecuteScalarAsync()}";
    }
}
