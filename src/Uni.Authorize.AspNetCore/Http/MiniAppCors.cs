using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// The CORS policy of the mini-app API and the bridge script: mini-app code runs in the sandbox (an opaque origin,
/// <c>Origin: null</c>) or on an origin the operator lists, never on the host's own origin, and reaches the host only
/// with its bearer session token. The policy never allows credentials, so no cookie of the user is sent with, or read
/// through, a mini-app's request; the user API, the pages and the admin API carry no policy at all.
/// </summary>
internal static class MiniAppCors
{
    public const string PolicyName = "Uni.Authorize.MiniApp";

    /// <summary>What an opaque origin (a sandboxed document, and the workers it starts) sends as <c>Origin</c>.</summary>
    public const string OpaqueOrigin = "null";

    public static void AddPolicy(IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<UniAuthorizeHostOptions>>(static (cors, host) =>
        {
            var allowed = new HashSet<string>(host.Value.MiniAppOrigins.Select(Normalize), StringComparer.OrdinalIgnoreCase) { OpaqueOrigin };
            cors.AddPolicy(PolicyName, policy => policy
                .SetIsOriginAllowed(allowed.Contains)
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
                .WithHeaders("Authorization", "Content-Type", "Accept")
                .WithExposedHeaders("Retry-After")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
        });
    }

    /// <summary>Whether <paramref name="value"/> is an http(s) origin: scheme, host and port, nothing else.</summary>
    public static bool IsOrigin(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.UserInfo.Length == 0
        && value.TrimEnd('/').IndexOfAny(['/', '?', '#'], uri.Scheme.Length + 3) < 0;

    // Browsers send an origin without a trailing slash and with the default port left out.
    private static string Normalize(string origin) => new Uri(origin).GetLeftPart(UriPartial.Authority);
}
