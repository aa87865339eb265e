using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Uni.Authorize.Host.BrowserTests;

/// <summary>
/// A real OpenID provider (<c>Uni.Authorize.TestIdentityProvider</c>, OpenIddict) and a host that signs people in
/// through it, each in its own process on a free loopback port. The provider knows the host's redirect URIs, so the
/// host's port is chosen first; a port taken meanwhile starts both again on new ports.
/// </summary>
public sealed class OpenIdConnectHosts : IAsyncLifetime
{
    public const string ClientId = "uni-authorize-host";
    public const string ClientSecret = "uni-authorize-host-secret";
    public const string Password = "wonderland";

    private readonly string _directory = Directory.CreateTempSubdirectory("uni-authorize-idp-").FullName;
    private readonly StringBuilder _providerOutput = new();
    private Process? _provider;

    public HostProcess Host { get; private set; } = null!;

    public Uri Provider { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var providerDll = typeof(OpenIdConnectHosts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProviderAssemblyPath").Value!;
        Assert.True(File.Exists(providerDll), $"The test identity provider was not built: {providerDll} is missing.");
        for (var attempt = 1; ; attempt++)
        {
            var hostPort = HostProcess.FreePort();
            var providerPort = HostProcess.FreePort();
            Provider = new Uri($"http://127.0.0.1:{providerPort}/");
            _provider = StartProvider(providerDll, providerPort, hostPort);
            if (await WaitForProviderAsync())
            {
                var host = new HostProcess(
                    [
                        "--Authentication:OpenIdConnect:Authority", Provider.ToString(),
                        "--Authentication:OpenIdConnect:ClientId", ClientId,
                        "--Authentication:OpenIdConnect:ClientSecret", ClientSecret,
                        "--Authentication:OpenIdConnect:RequireHttpsMetadata", "false",
                    ], hostPort);
                try
                {
                    await host.InitializeAsync();
                    Host = host;
                    return;
                }
                catch (Exception) when (attempt < 3)
                {
                    await host.DisposeAsync();
                }
            }

            StopProvider();
            Assert.True(attempt < 3, "The test identity provider did not start:\n" + ProviderOutput);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        StopProvider();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }

    /// <summary>What the provider printed so far, for failure messages.</summary>
    public string ProviderOutput
    {
        get
        {
            lock (_providerOutput)
            {
                return _providerOutput.ToString();
            }
        }
    }

    private Process StartProvider(string providerDll, int port, int hostPort)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     providerDll, "--urls", $"http://127.0.0.1:{port}",
                     "--Client:HostAddress", $"http://127.0.0.1:{hostPort}",
                     "--Client:Id", ClientId, "--Client:Secret", ClientSecret,
                     "--Database", Path.Combine(_directory, $"provider-{port}.db"),
                 })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<bool> WaitForProviderAsync()
    {
        using var probe = new HttpClient { BaseAddress = Provider, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && _provider is { HasExited: false })
        {
            try
            {
                using var response = await probe.GetAsync(".well-known/openid-configuration");
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        return false;
    }

    private void StopProvider()
    {
        if (_provider is null)
        {
            return;
        }

        try
        {
            if (!_provider.HasExited)
            {
                _provider.Kill(entireProcessTree: true);
                _provider.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _provider.Dispose();
        _provider = null;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_providerOutput)
        {
            _providerOutput.AppendLine(line);
        }
    }
}
