using System.Net;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Uni.Authorize.Host;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// Boundary: forwarded headers are believed only from the proxies <c>Host:ForwardedHeaders</c> names. Attacker: a
/// client that writes <c>X-Forwarded-Proto</c> or <c>X-Forwarded-For</c> itself. Behind a believed TLS proxy the host
/// issues <c>Secure</c> cookies and an https OpenID Connect redirect URI.
/// </summary>
public sealed class ProxyTrustTests
{
    [Fact]
    public async Task OperatorCookie_KnownProxySaysHttps_IsSecure()
    {
        await using var host = new TestHost(new() { ["Host:ForwardedHeaders:KnownProxies"] = "127.0.0.1" });

        var cookie = await OperatorCookieAsync(host, proto: "https");

        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OperatorCookie_UnknownPeerSaysHttps_IsNotSecure()
    {
        await using var host = new TestHost(new() { ["Host:ForwardedHeaders:KnownProxies"] = "10.0.0.7" });

        var cookie = await OperatorCookieAsync(host, proto: "https");

        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OperatorCookie_NoForwardedHeadersSetting_LoopbackSayingHttpsIsNotBelieved()
    {
        // ASP.NET Core's own default would believe loopback: the host reads no forwarded header unless told to.
        await using var host = new TestHost();

        var cookie = await OperatorCookieAsync(host, proto: "https");

        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OpenIdConnectChallenge_KnownTlsProxy_RedirectUriIsHttps()
    {
        var location = await ChallengeAsync(knownProxy: "127.0.0.1");

        Assert.Contains("redirect_uri=" + Uri.EscapeDataString("https://uni.example/signin-oidc"), location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenIdConnectChallenge_UnknownPeerSayingHttps_RedirectUriStaysHttp()
    {
        var location = await ChallengeAsync(knownProxy: "10.0.0.7");

        Assert.Contains("redirect_uri=" + Uri.EscapeDataString("http://uni.example/signin-oidc"), location, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host:ForwardedHeaders:KnownProxies", "not-an-address", "KnownProxies")]
    [InlineData("Host:ForwardedHeaders:KnownNetworks", "10.0.0.0/99", "KnownNetworks")]
    [InlineData("Host:ForwardedHeaders:Headers", "XForwardedEverything", "Headers")]
    [InlineData("Host:ForwardedHeaders:ForwardLimit", "0", "ForwardLimit")]
    public void Start_BadForwardedHeadersSetting_FailsNamingIt(string key, string value, string setting)
    {
        var settings = new Dictionary<string, string?> { ["Host:ForwardedHeaders:KnownProxies"] = "127.0.0.1", [key] = value };
        using var host = new TestHost(settings);

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("Host:ForwardedHeaders:" + setting, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_ForwardedHeadersWithoutProxies_FailsNamingIt()
    {
        using var host = new TestHost(new() { ["Host:ForwardedHeaders:Headers"] = "XForwardedProto" });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("Host:ForwardedHeaders needs KnownProxies or KnownNetworks", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Signs an operator in with the admin key, every request saying <c>X-Forwarded-Proto: proto</c>; the
    /// operator cookie's <c>Set-Cookie</c> line.</summary>
    private static async Task<string> OperatorCookieAsync(TestHost host, string proto)
    {
        using var client = host.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", proto);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.4");
        var antiforgery = await client.GetAsync("/api/v1/user/antiforgery");
        var token = (string)(await Json(antiforgery))["token"]!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = AdminKey }),
        };
        request.Headers.Add("X-CSRF-TOKEN", token);
        request.Headers.Add("Cookie", string.Join("; ", antiforgery.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".Uni.Authorize.Operator=", StringComparison.Ordinal));
    }

    /// <summary>The OpenID Connect challenge's <c>Location</c> for a request that says it came over https to uni.example.
    /// The provider's endpoints are given as its metadata would: only the redirect URI the host builds is looked at.</summary>
    private static async Task<string> ChallengeAsync(string knownProxy)
    {
        await using var host = new TestHost(new()
        {
            ["Authentication:OpenIdConnect:Authority"] = "https://idp.test",
            ["Authentication:OpenIdConnect:ClientId"] = "host",
            ["Host:ForwardedHeaders:KnownProxies"] = knownProxy,
            ["Host:ForwardedHeaders:Headers"] = "XForwardedFor, XForwardedProto, XForwardedHost",
        }, services => services.PostConfigure<OpenIdConnectOptions>(SignInSetup.OpenIdConnectScheme, static o =>
        {
            o.Configuration = new OpenIdConnectConfiguration
            {
                Issuer = "https://idp.test",
                AuthorizationEndpoint = "https://idp.test/connect/authorize",
                TokenEndpoint = "https://idp.test/connect/token",
            };
            o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(o.Configuration);
        }));
        using var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "uni.example");
        request.Headers.Add("X-Forwarded-For", "198.51.100.4");
        request.Headers.Host = "uni.example";

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.ToString();
    }
}
