using Uni.Authorize.AspNetCore.Tests;

namespace Uni.Authorize.Cluster.Benchmarks;

/// <summary>The runnable host (its Release build) as a process of its own on a free loopback port, with a data folder
/// of its own; everything it shares with other instances is in PostgreSQL. Started and watched by the host tests'
/// <see cref="HostProcess"/>, whose source this project links.</summary>
internal sealed class HostInstance : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789";
    private readonly HostProcess _process;
    private readonly string _folder;

    private HostInstance(HostProcess process, string folder)
    {
        _process = process;
        _folder = folder;
    }

    public Uri Address => _process.Address;

    public string Output => _process.Output;

    /// <summary>Builds the host in Release (quick when it is up to date).</summary>
    public static async Task BuildAsync() =>
        await Machine.RunAsync("dotnet", Machine.RepositoryRoot(), "build", "-c", "Release", "src/Uni.Authorize.Host", "-v", "quiet", "-nologo");

    public static async Task<HostInstance> StartAsync(string connectionString)
    {
        var folder = Directory.CreateTempSubdirectory("uni-bench-host-").FullName;
        var process = await HostProcess.StartAsync(
            "--Store:Provider=PostgreSql", "--Store:ConnectionString=" + connectionString, "--Store:DataDirectory=" + folder,
            "--Host:AdminKey=" + AdminKey, "--Logging:LogLevel:Default=Warning",
            // The benchmark's users sign in by name at an instance directly, as in the cluster tests.
            "--Host:NameSignIn=LoopbackOnly");
        return new HostInstance(process, folder);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
