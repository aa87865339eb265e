using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// Which addresses a webhook may reach: public ones, and the internal ones the operator names in
/// <see cref="UniAuthorizeWebhookOptions.AllowedNetworks"/>. Loopback, private, link-local, shared (CGNAT), unique-local,
/// reserved, documentation, multicast and broadcast addresses are refused, in IPv4 and in every IPv6 form that carries
/// an IPv4 address (mapped, compatible, NAT64, 6to4), so that a registered URL cannot aim the host at its own network
/// (a cloud metadata service, a database port, a container daemon).
/// </summary>
internal sealed class WebhookDestinations
{
    /// <summary>The one reason given for every refused address: which range it was in is not told.</summary>
    public const string Refusal = "destination not allowed";

    private static readonly IPNetwork[] InternalV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"),         // "this network"
        IPNetwork.Parse("10.0.0.0/8"),        // private
        IPNetwork.Parse("100.64.0.0/10"),     // shared address space (CGNAT)
        IPNetwork.Parse("127.0.0.0/8"),       // loopback
        IPNetwork.Parse("169.254.0.0/16"),    // link-local (cloud metadata services)
        IPNetwork.Parse("172.16.0.0/12"),     // private
        IPNetwork.Parse("192.0.0.0/24"),      // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),      // documentation
        IPNetwork.Parse("192.88.99.0/24"),    // 6to4 relay anycast
        IPNetwork.Parse("192.168.0.0/16"),    // private
        IPNetwork.Parse("198.18.0.0/15"),     // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),   // documentation
        IPNetwork.Parse("203.0.113.0/24"),    // documentation
        IPNetwork.Parse("224.0.0.0/4"),       // multicast
        IPNetwork.Parse("240.0.0.0/4"),       // reserved, and the broadcast address
    ];

    private static readonly IPNetwork[] InternalV6 =
    [
        IPNetwork.Parse("::/128"),            // unspecified
        IPNetwork.Parse("::1/128"),           // loopback
        IPNetwork.Parse("64:ff9b:1::/48"),    // local-use NAT64
        IPNetwork.Parse("100::/64"),          // discard
        IPNetwork.Parse("2001::/23"),         // IETF protocol assignments (Teredo, benchmarking, ORCHID)
        IPNetwork.Parse("2001:db8::/32"),     // documentation
        IPNetwork.Parse("fc00::/7"),          // unique-local
        IPNetwork.Parse("fe80::/10"),         // link-local
        IPNetwork.Parse("fec0::/10"),         // site-local (deprecated, still routed by some)
        IPNetwork.Parse("ff00::/8"),          // multicast
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Compatible = IPNetwork.Parse("::/96");

    private readonly IPNetwork[] _allowed;

    public WebhookDestinations(IOptions<UniAuthorizeWebhookOptions> options) => _allowed = [.. options.Value.AllowedNetworks.Select(ParseNetwork)];

    /// <summary>Whether a connection to <paramref name="address"/> may be made.</summary>
    public bool Allows(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var embedded = EmbeddedV4(address);
        return _allowed.Any(n => n.Contains(address) || (embedded is not null && n.Contains(embedded)))
            || !(IsInternal(address) || (embedded is not null && IsInternal(embedded)));
    }

    /// <summary>Why a webhook URL aims inward, or <see langword="null"/>: an address literal (in any spelling the URL
    /// parser accepts, such as <c>2130706433</c> or <c>[::ffff:127.0.0.1]</c>) or <c>localhost</c> that is not allowed.
    /// Other names are judged when the delivery connects, since what they resolve to can change.</summary>
    public string? Refuses(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        IPAddress[] addresses = url.HostNameType switch
        {
            UriHostNameType.IPv4 or UriHostNameType.IPv6 => [IPAddress.Parse(url.IdnHost.Trim('[', ']'))],
            _ when IsLocalhost(url.IdnHost) => [IPAddress.Loopback, IPAddress.IPv6Loopback],
            _ => [],
        };
        return addresses.All(Allows) ? null
            : $"'url' names a loopback, private, link-local or otherwise internal address ({Refusal}); allow it with UniAuthorizeWebhookOptions.AllowedNetworks.";
    }

    /// <summary>Opens the delivery's connection to an allowed address of <paramref name="context"/>'s host, resolved now:
    /// a name that passed registration may resolve inward later (DNS rebinding), so this is the check that holds.</summary>
    /// <exception cref="WebhookDestinationException">The host resolves to an address that is not allowed.</exception>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        // One inward address refuses the name: no answer is half trusted.
        if (addresses.Length == 0 || !addresses.All(Allows))
        {
            throw new WebhookDestinationException();
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Parses an entry of <see cref="UniAuthorizeWebhookOptions.AllowedNetworks"/>: a CIDR block or one address.</summary>
    internal static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (IPNetwork.TryParse(text.Trim(), out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text.Trim(), out var address) && !text.Contains('/', StringComparison.Ordinal))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    private static IPNetwork ParseNetwork(string text) =>
        TryParseNetwork(text, out var network) ? network : throw new FormatException($"'{text}' is not a network (CIDR) or an address.");

    private static bool IsInternal(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return InternalV4.Any(n => n.Contains(address));
        }

        // Scoped addresses (fe80::1%eth0) are link-local whatever their prefix says.
        return address.ScopeId != 0 || InternalV6.Any(n => n.Contains(address));
    }

    // The IPv4 address an IPv6 address stands for: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d, deprecated but still
    // routed by some stacks), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::/48).
    private static IPAddress? EmbeddedV4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if ((Compatible.Contains(address) && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback)) || Nat64.Contains(address))
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        return SixToFour.Contains(address) ? new IPAddress(bytes.AsSpan(2, 4)) : null;
    }

    private static bool IsLocalhost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || host.Equals("localhost.", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A delivery's destination resolved to an address that is not allowed.</summary>
internal sealed class WebhookDestinationException() : Exception(WebhookDestinations.Refusal);
