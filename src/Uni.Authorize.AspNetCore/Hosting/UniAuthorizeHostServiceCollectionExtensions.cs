using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Uni.Authorize;
using Uni.Authorize.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Uni.Authorize host: engine, consent broker, identities, housekeeping, the mini-app session scheme, the
/// name sign-in cookie scheme, antiforgery and the code exchange's rate limiting policy. Nothing app-wide is changed:
/// no default scheme, no global rate limiter or antiforgery settings. Map the endpoints with <c>app.MapUniAuthorize()</c>
/// or group by group.</summary>
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
        Action<UniAuthorizeOptions>? configureAuthorizer = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<UniAuthorizeHostOptions>().Configure(configure).Validate(static o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();

        var builder = services.AddUniAuthorize(configureAuthorizer ?? (static _ => { }));
        builder.AddHousekeeping();
        builder.AddAccessReport();
        services.TryAddSingleton<IIdentityStore>(static sp => new InMemoryIdentityStore(sp.GetRequiredService<InMemoryWebhookStore>()));
        services.TryAddSingleton<HostIdentities>();
        services.TryAddSingleton<Pseudonyms>();
        services.TryAddSingleton<ConsentBroker>();
        services.TryAddSingleton<PendingCalls>();
        services.TryAddSingleton<IAuthorizationPrompter>(static sp => sp.GetRequiredService<ConsentBroker>());
        services.TryAddSingleton<HostMarker>();
        services.TryAddSingleton<LiveFigures>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, ConsentHousekeepingTask>());
        services.AddWebhookDelivery();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, MiniAppSessionHandler>(MiniAppSessionDefaults.AuthenticationScheme, static _ => { })
            .AddCookie(UniAuthorizeHostOptions.NameSignInScheme, static o =>
            {
                o.Cookie.Name = UserAccess.CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.SlidingExpiration = true;
                o.Events.OnRedirectToLogin = static c => Status(c.Response, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = static c => Status(c.Response, StatusCodes.Status403Forbidden);
            })
            .AddCookie(UniAuthorizeHostOptions.OperatorScheme, static o =>
            {
                o.Cookie.Name = OperatorSignIn.CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // An operator's cookie does not outlive a working day.
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = false;
                o.Events.OnRedirectToLogin = static c => Status(c.Response, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = static c => Status(c.Response, StatusCodes.Status403Forbidden);
            });
        services.AddAuthorization();
        // The pages send the token in the header the application's antiforgery options name (GET /api/v1/user/antiforgery says which).
        services.AddAntiforgery();
        services.AddRateLimiter(static o => o.AddPolicy<string, ExchangeRateLimitPolicy>(ExchangeEndpoints.RateLimitPolicy));
        return builder;
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}

/// <summary>Tells the mapping methods that <c>AddUniAuthorizeHost</c> ran.</summary>
internal sealed class HostMarker;
