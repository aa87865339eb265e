using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The real host as its own process on a free loopback port (in-memory stores unless told otherwise).</summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private HostProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

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

    public static Task<HostProcess> StartAsync(params string[] settings) => StartAsync(new Dictionary<string, string>(), settings);

    /// <summary>Starts the host with extra environment variables and waits until <c>/healthz</c> answers.</summary>
    public static Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] settings) =>
        StartInAsync(Path.GetDirectoryName(HostDll())!, environment, settings);

    /// <summary>Starts the host with <paramref name="workingDirectory"/> as its current folder, and so its content root
    /// (where it looks for appsettings.json).</summary>
    public static Task<HostProcess> StartInAsync(string workingDirectory, params string[] settings) =>
        StartInAsync(workingDirectory, new Dictionary<string, string>(), settings);

    private static async Task<HostProcess> StartInAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, string[] settings)
    {
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var start = StartInfo(address, environment, settings);
        start.WorkingDirectory = workingDirectory;
        var process = Process.Start(start) ?? throw new InvalidOperationException("The host process did not start.");
        var host = new HostProcess(process, address);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
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

    /// <summary>Runs the host until it exits by itself (within 60 s): its exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunToExitAsync(params string[] settings)
    {
        using var process = Process.Start(StartInfo(new Uri($"http://127.0.0.1:{FreePort()}"), new Dictionary<string, string>(), settings))
            ?? throw new InvalidOperationException("The host process did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }

        _process.Dispose();
    }

    /// <summary>The host's build output next to this test's (same configuration).</summary>
    public static string HostDll()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Uni.Authorize.slnx")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Repository root not found."),
            "src", "Uni.Authorize.Host", "bin", configuration, "net10.0", "Uni.Authorize.Host.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"Build the host first: {dll} is missing.");
    }

    private static ProcessStartInfo StartInfo(Uri address, IReadOnlyDictionary<string, string> environment, string[] settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(HostDll())!,
        };
        start.ArgumentList.Add(HostDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString().TrimEnd('/'));
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}
