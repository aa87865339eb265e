using System.Diagnostics;
using System.Net;

namespace Uni.Authorize.Cluster.Benchmarks;

/// <summary>The runnable host (its Release build) as a process of its own on a free loopback port, with a data folder
/// of its own; everything it shares with other instances is in PostgreSQL.</summary>
internal sealed class HostInstance : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789";
    private readonly Process _process;
    private readonly string _folder;
    private readonly System.Text.StringBuilder _output = new();

    private HostInstance(Process process, string folder, Uri address)
    {
        _process = process;
        _folder = folder;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Builds the host in Release (quick when it is up to date).</summary>
    public static async Task<string> BuildAsync()
    {
        var root = Machine.RepositoryRoot();
        await Machine.RunAsync("dotnet", root, "build", "-c", "Release", "src/Uni.Authorize.Host", "-v", "quiet", "-nologo");
        return Path.Combine(root, "src", "Uni.Authorize.Host", "bin", "Release", "net10.0", "Uni.Authorize.Host.dll");
    }

    public static async Task<HostInstance> StartAsync(string dll, string connectionString)
    {
        var folder = Directory.CreateTempSubdirectory("uni-bench-host-").FullName;
        var address = new Uri($"http://127.0.0.1:{ThrowawayPostgres.FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var argument in new[]
        {
            dll, "--urls", address.ToString().TrimEnd('/'), "--Store:Provider=PostgreSql", "--Store:ConnectionString=" + connectionString,
            "--Store:DataDirectory=" + folder, "--Host:AdminKey=" + AdminKey, "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The host did not start.");
        var host = new HostInstance(process, folder, address);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("The host exited at start:\n" + host.Output);
            }

            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        await host.DisposeAsync();
        throw new TimeoutException("The host did not answer /healthz within 60 s:\n" + host.Output);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 100_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
