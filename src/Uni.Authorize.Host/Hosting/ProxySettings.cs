using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Uni.Authorize.Host;

/// <summary>
/// <c>Host:ForwardedHeaders</c>: the proxies whose <c>X-Forwarded-*</c> headers the host believes. <c>KnownProxies</c>
/// (addresses) and <c>KnownNetworks</c> (CIDR, such as <c>10.0.0.0/8</c>), at least one of them; <c>Headers</c> (default
/// <c>XForwardedFor, XForwardedProto</c>; also <c>XForwardedHost</c>, <c>XForwardedPrefix</c>); <c>ForwardLimit</c>
/// (default 1, the proxies in a chain). Unset: no forwarded header is read, whoever sends it. A mistake throws
/// <see cref="InvalidOperationException"/> naming the setting.
/// </summary>
internal sealed class ProxySettings
{
    private const string Section = "Host:ForwardedHeaders";

    private ProxySettings(ForwardedHeaders headers, IReadOnlyList<IPAddress> proxies, IReadOnlyList<System.Net.IPNetwork> networks, int forwardLimit)
    {
        Headers = headers;
        Proxies = proxies;
        Networks = networks;
        ForwardLimit = forwardLimit;
    }

    public ForwardedHeaders Headers { get; }

    public IReadOnlyList<IPAddress> Proxies { get; }

    public IReadOnlyList<System.Net.IPNetwork> Networks { get; }

    public int ForwardLimit { get; }

    /// <summary>The start-up line saying whom the host believes.</summary>
    public string Description =>
        $"{Headers} from {string.Join(", ", Proxies.Select(p => p.ToString()).Concat(Networks.Select(n => n.ToString())))}";

    /// <summary>The settings, or <see langword="null"/> when <c>Host:ForwardedHeaders</c> is not configured.</summary>
    public static ProxySettings? From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.Exists())
        {
            return null;
        }

        var proxies = new List<IPAddress>();
        foreach (var text in List(section, "KnownProxies"))
        {
            proxies.Add(IPAddress.TryParse(text, out var address)
                ? address
                : throw new InvalidOperationException($"{Section}:KnownProxies has \"{text}\", which is not an IP address."));
        }

        var networks = new List<System.Net.IPNetwork>();
        foreach (var text in List(section, "KnownNetworks"))
        {
            networks.Add(System.Net.IPNetwork.TryParse(text, out var network)
                ? network
                : throw new InvalidOperationException($"{Section}:KnownNetworks has \"{text}\", which is not a network in CIDR notation (10.0.0.0/8)."));
        }

        if (proxies.Count == 0 && networks.Count == 0)
        {
            throw new InvalidOperationException($"{Section} needs KnownProxies or KnownNetworks: the addresses of the proxies whose forwarded headers are believed.");
        }

        var headers = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        if (section["Headers"] is { } names && !string.IsNullOrWhiteSpace(names))
        {
            headers = ForwardedHeaders.None;
            foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                headers |= Enum.TryParse<ForwardedHeaders>(name, ignoreCase: true, out var header) && header != ForwardedHeaders.None && header != ForwardedHeaders.All
                    ? header
                    : throw new InvalidOperationException($"{Section}:Headers has \"{name}\"; use XForwardedFor, XForwardedProto, XForwardedHost or XForwardedPrefix.");
            }
        }

        var limit = section["ForwardLimit"] is not { } limitText ? 1
            : int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1 ? parsed
            : throw new InvalidOperationException($"{Section}:ForwardLimit must be a whole number of at least 1; it is \"{limitText}\".");
        return new ProxySettings(headers, proxies, networks, limit);
    }

    /// <summary>Only the configured proxies are believed: the framework's default trust in loopback is dropped.</summary>
    public void Apply(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = Headers;
        options.ForwardLimit = ForwardLimit;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list may still hold the default loopback network: emptied too.
        options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        foreach (var proxy in Proxies)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in Networks)
        {
            options.KnownIPNetworks.Add(network);
        }
    }

    // A list is either "a, b" in one value (an environment variable) or the section's children (JSON, --X:0=a).
    private static IEnumerable<string> List(IConfigurationSection section, string key) =>
        section[key] is { } line
            ? line.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetSection(key).GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0);
}
