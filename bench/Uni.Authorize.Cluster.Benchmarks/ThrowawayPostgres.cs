using Uni.Authorize.AspNetCore.Tests;

namespace Uni.Authorize.Cluster.Benchmarks;

/// <summary>The server named by <c>UNI_AUTHORIZE_BENCH_POSTGRES</c>, or else a throwaway PostgreSQL cluster on a free
/// loopback port with durable defaults (fsync on), run by the postgres user and removed afterwards.</summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    public const string Variable = "UNI_AUTHORIZE_BENCH_POSTGRES";
    private readonly string? _bin;
    private readonly string? _folder;

    private ThrowawayPostgres(string connectionString, string description, string? bin, string? folder)
    {
        ConnectionString = connectionString;
        Description = description;
        _bin = bin;
        _folder = folder;
    }

    public string ConnectionString { get; }

    public string Description { get; }

    public static async Task<ThrowawayPostgres> StartOrUseAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            return new ThrowawayPostgres(given, $"the server of {Variable}", null, null);
        }

        if (Environment.UserName != "root")
        {
            throw new InvalidOperationException($"Run as root (a throwaway cluster is started as the postgres user) or set {Variable}.");
        }

        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderBy(b => b, StringComparer.Ordinal).LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is missing: apt-get install postgresql");
        var folder = Directory.CreateTempSubdirectory("uni-bench-pg-").FullName;
        await Machine.RunAsync("chmod", "/", "755", folder);
        await Machine.RunAsync("chown", "/", "postgres", folder);
        var port = HostProcess.FreePort();
        var server = new ThrowawayPostgres($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres",
            $"throwaway cluster ({Path.GetFileName(Path.GetDirectoryName(bin))}, durable defaults) on port {port}", bin, folder);
        try
        {
            await Machine.RunAsync("runuser", "/", "-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", Path.Combine(folder, "data"), "-A", "trust", "-U", "postgres");
            await Machine.RunAsync("runuser", "/", "-u", "postgres", "--", Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(folder, "data"),
                "-l", Path.Combine(folder, "log"), "-w", "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_folder is null)
        {
            return;
        }

        try
        {
            await Machine.RunAsync("runuser", "/", "-u", "postgres", "--", Path.Combine(_bin!, "pg_ctl"), "-D", Path.Combine(_folder, "data"), "-m", "fast", "stop");
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }

        Directory.Delete(_folder, recursive: true);
    }
}
