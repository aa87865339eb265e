using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Uni.Authorize;
using Uni.Authorize.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Uni.Authorize host: engine, consent broker, identities, housekeeping, cookie sign-in, antiforgery,
/// the exchange rate limiter and OpenAPI. Map the endpoints with <c>app.MapUniAuthorize()</c>.</summary>
public static class UniAuthorizeHostServiceCollectionExtensions
{
    /// <summary>Registers the host with default options.</summary>
    public static IUniAuthorizeBuilder AddUniAuthorizeHost(this IServiceCollection services) =>
        services.AddUniAuthorizeHost(static _ => { });

    /// <summary>Registers the host with options bound from <paramref name="section"/>.</summary>
    public static IUniAuthorizeBuilder AddUniAuthorizeHost(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<UniAuthorizeHostOptions>().Bind(section);
        return services.AddUniAuthorizeHost(static _ => { });
    }

    /// <summary>Registers the host; <paramref name="configure"/> sets the host's options and <paramref name="configureAuthorizer"/>
    /// the engine's (its prompter is the host's consent broker). Housekeeping runs with its defaults; change them with
    /// <c>AddHousekeeping(o =&gt; ...)</c> on the returned builder.</summary>
    public static IUniAuthorizeBuilder AddUniAuthorizeHost(this IServiceCollection services, Action<UniAuthorizeHostOptions> configure,
        Action<AuthorizerOptions>? configureAuthorizer = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<UniAuthorizeHostOptions>().Configure(configure).Validate(static o =>
        {
            o.Validate();
            return true;
        });

        var builder = services.AddUniAuthorize(configureAuthorizer ?? (static _ => { }));
        builder.AddHousekeeping();
        services.TryAddSingleton<IIdentityStore, InMemoryIdentityStore>();
        services.TryAddSingleton<HostIdentities>();
        services.TryAddSingleton<Pseudonyms>();
        services.TryAddSingleton<PendingCalls>();
        services.TryAddSingleton<ConsentBroker>();
        services.TryAddSingleton<IAuthorizationPrompter>(static sp => sp.GetRequiredService<ConsentBroker>());
        services.TryAddSingleton<HostMarker>();

        services.AddAuthentication().AddCookie(UserAccess.Scheme, static o =>
        {
            o.Cookie.Name = UserAccess.CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromDays(7);
            o.SlidingExpiration = true;
            o.Events.OnRedirectToLogin = static c => Status(c.Response, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = static c => Status(c.Response, StatusCodes.Status403Forbidden);
        });
        services.AddAntiforgery(static o =>
        {
            o.HeaderName = UserAccess.AntiforgeryHeader;
            o.Cookie.Name = UserAccess.AntiforgeryCookieName;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
        });
        services.AddRateLimiter(static o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = static async (context, cancellationToken) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await Problems.Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many code exchanges from this address; retry later.")
                    .ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
            o.AddPolicy(ExchangeEndpoints.RateLimitPolicy, static context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.ExchangePermitLimit,
                    Window = options.ExchangeWindow,
                    QueueLimit = 0,
                });
            });
        });
        services.AddOpenApi();
        return builder;
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}

/// <summary>Tells <c>MapUniAuthorize</c> that <c>AddUniAuthorizeHost</c> ran.</summary>
internal sealed class HostMarker;
