using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Uni.Authorize;
using Uni.Authorize.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Uni.Authorize host: engine, consent broker, identities, housekeeping, the mini-app session scheme, the
/// name sign-in cookie scheme, antiforgery and the mini-app API's CORS policy; the code exchange and the admin key keep
/// their own per-client budgets. Nothing app-wide is changed: no default scheme, no global rate limiter or antiforgery
/// settings. Map the endpoints with <c>app.MapUniAuthorize()</c>
/// or group by group.</summary>
public static class UniAuthorizeHostServiceCollectionExtensions
{
    /// <summary>Registers the host with default options.</summary>
    public static IUniAuthorizeBuilder AddUniAuthorizeHost(this IServiceCollection services) =>
        services.AddUniAuthorizeHost(static _ => { });

    /// <summary>Registers the host with options bound from <paramref name="section"/> (for example <c>Host</c>:
    /// <c>SessionLifetime</c>, <c>MaxWait</c>, ...); the engine keeps its own options (<c>AddUniAuthorize</c>).</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddUniAuthorizeHost(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ValidatedOptions.Bind<UniAuthorizeHostOptions, UniAuthorizeHostOptionsValidator>(services, section, static prefix => new UniAuthorizeHostOptionsValidator(prefix));
        return services.AddHostServices(null);
    }

    /// <summary>Registers the host; <paramref name="configure"/> sets the host's options and <paramref name="configureAuthorizer"/>
    /// the engine's (its prompter is the host's consent broker). Housekeeping runs with its defaults; change them with
    /// <c>AddHousekeeping(o =&gt; ...)</c> on the returned builder.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names it).</exception>
    public static IUniAuthorizeBuilder AddUniAuthorizeHost(this IServiceCollection services, Action<UniAuthorizeHostOptions> configure,
        Action<UniAuthorizeOptions>? configureAuthorizer = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ValidatedOptions.Add(services, UniAuthorizeHostOptionsValidator.Code).Configure(configure);
        return services.AddHostServices(configureAuthorizer);
    }

    private static IUniAuthorizeBuilder AddHostServices(this IServiceCollection services, Action<UniAuthorizeOptions>? configureAuthorizer)
    {
        var builder = services.AddUniAuthorize(configureAuthorizer ?? (static _ => { }));
        builder.AddHousekeeping();
        builder.AddAccessReport();
        services.TryAddSingleton<IIdentityStore>(static sp => new InMemoryIdentityStore(sp.GetRequiredService<InMemoryWebhookStore>()));
        services.TryAddSingleton<IAppManifestStore, InMemoryAppManifestStore>();
        // Secrets reach whichever store is registered (now or later) only encrypted with the data-protection keys.
        services.TryAddSingleton<AtRestProtection>();
        services.TryAddSingleton(static sp => new ProtectedIdentityStore(sp.GetRequiredService<IIdentityStore>(), sp.GetRequiredService<AtRestProtection>()));
        services.TryAddSingleton(static sp => new ProtectedWebhookStore(sp.GetRequiredService<IWebhookStore>(), sp.GetRequiredService<AtRestProtection>()));
        services.TryAddSingleton<HostIdentities>();
        services.TryAddSingleton<Pseudonyms>();
        services.TryAddSingleton<AlipayGatewayKey>();
        services.TryAddSingleton<ConsentBroker>();
        services.TryAddSingleton<PendingCalls>();
        services.TryAddSingleton<IAuthorizationPrompter>(static sp => sp.GetRequiredService<ConsentBroker>());
        services.TryAddSingleton<HostMarker>();
        services.TryAddSingleton<LiveFigures>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, ConsentHousekeepingTask>());
        services.AddWebhookDelivery();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, MiniAppSessionHandler>(MiniAppSessionDefaults.AuthenticationScheme, static _ => { })
            .AddCookie(UniAuthorizeHostOptions.NameSignInScheme, static o => ApiCookie(o, UserAccess.CookieName, TimeSpan.FromDays(7), sliding: true))
            // An operator's cookie does not outlive a working day, nor the admin key it was issued for.
            .AddCookie(UniAuthorizeHostOptions.OperatorScheme, static o =>
            {
                ApiCookie(o, OperatorSignIn.CookieName, TimeSpan.FromHours(8), sliding: false);
                o.Events.OnValidatePrincipal = OperatorSignIn.ValidatePrincipalAsync;
            });
        services.AddAuthorization();
        services.AddDataProtection();
        // The pages send the token in the header the application's antiforgery options name (GET /api/v1/user/antiforgery says which).
        services.AddAntiforgery();
        services.TryAddSingleton<ClientBudgets>();
        MiniAppCors.AddPolicy(services);
        return builder;
    }

    // The API's cookies: never sent cross-site, and a missing or refused sign-in is a status code, not a redirect.
    private static void ApiCookie(CookieAuthenticationOptions options, string name, TimeSpan lifetime, bool sliding)
    {
        options.Cookie.Name = name;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.ExpireTimeSpan = lifetime;
        options.SlidingExpiration = sliding;
        options.Events.OnRedirectToLogin = static c => Status(c.Response, StatusCodes.Status401Unauthorized);
        options.Events.OnRedirectToAccessDenied = static c => Status(c.Response, StatusCodes.Status403Forbidden);
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }
}

/// <summary>Tells the mapping methods that <c>AddUniAuthorizeHost</c> ran.</summary>
internal sealed class HostMarker;
