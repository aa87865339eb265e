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

    private Process StartProvider(string providerDll, int port, int hostPort) =>
        ChildProcess.Start(providerDll, _directory,
            [
                "--urls", $"http://127.0.0.1:{port}",
                "--Client:HostAddress", $"http://127.0.0.1:{hostPort}",
                "--Client:Id", ClientId, "--Client:Secret", ClientSecret,
                "--Database", Path.Combine(_directory, $"provider-{port}.db"),
            ],
            Record);

    private Task<bool> WaitForProviderAsync() => ChildProcess.WaitUntilAnswersAsync(_provider!, Provider, ".well-known/openid-configuration");

    private void StopProvider()
    {
        ChildProcess.Stop(_provider);
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
