using Uni.Authorize.Cluster.Benchmarks;

// Multi-instance figures of docs/benchmarks.md, each a console run that starts what it needs:
//   latency [--rounds 1000]      two host processes on one PostgreSQL: a consent asked on A listed on B, answered on B, A's call returns
//   prune   [--rows 1000000]     granted lookups idle, then while housekeeping prunes that many expired decisions
// PostgreSQL: the server named by UNI_AUTHORIZE_BENCH_POSTGRES, or else a throwaway cluster with durable defaults
// (run as root; the postgres user runs it).
var mode = args.Length > 0 ? args[0] : string.Empty;
int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) && value > 0 ? value : fallback;
}

string? Text(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

if (mode is not ("latency" or "prune"))
{
    Console.Error.WriteLine("usage: latency [--rounds 1000] [--csv file] | prune [--rows 1000000] [--seconds 20]");
    return 2;
}

Console.WriteLine($"load average before: {Machine.LoadAverage()}");
await using var postgres = await ThrowawayPostgres.StartOrUseAsync();
Console.WriteLine($"PostgreSQL: {postgres.Description}");
if (mode == "latency")
{
    await CrossInstanceLatency.RunAsync(postgres.ConnectionString, Option("--rounds", 1000), Text("--csv"));
}
else
{
    await PruneUnderLookups.RunAsync(postgres.ConnectionString, Option("--rows", 1_000_000), TimeSpan.FromSeconds(Option("--seconds", 20)));
}

Console.WriteLine($"load average after: {Machine.LoadAverage()}");
return 0;
