using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Uni.Authorize.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Uni.Authorize host's endpoint groups. Each returns a builder the caller may prefix (map it on a
/// <c>MapGroup</c>) and decorate (<c>RequireAuthorization</c>, <c>RequireRateLimiting</c>…). Nothing app-wide is
/// registered: no middleware, no <c>/</c>, no global options. The code exchange and the admin key count each client's
/// calls themselves (<see cref="UniAuthorizeHostOptions.ExchangePermitLimit"/>, <see cref="UniAuthorizeHostOptions.AdminKeyFailureLimit"/>),
/// with or without the application's rate limiter. The mini-app API and the bridge carry a CORS policy (for the mini-app
/// sandbox and <see cref="UniAuthorizeHostOptions.MiniAppOrigins"/>, never with credentials), so the application calls
/// <c>app.UseCors()</c> before authentication. Every GET endpoint of these groups answers HEAD too.</summary>
public static class UniAuthorizeEndpointRouteBuilderExtensions
{

    /// <summary>Maps every group but the demo page: the mini-app API, the user API, the admin API, the code exchange,
    /// the scope catalog, the bridge script and the consent and settings pages.</summary>
    /// <exception cref="InvalidOperationException"><c>services.AddUniAuthorizeHost()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapUniAuthorize(this IEndpointRouteBuilder endpoints)
    {
        var all = Group(endpoints, string.Empty);
        all.MapUniAuthorizeCatalog();
        all.MapUniAuthorizeMiniAppApi();
        all.MapUniAuthorizeUserApi();
        all.MapUniAuthorizeAdminApi();
        all.MapUniAuthorizeCodeExchange();
        all.MapUniAuthorizeBridge();
        all.MapUniAuthorizePages();
        return all;
    }

    /// <summary>The calls a mini-app makes with its session token (scheme <see cref="MiniAppSessionDefaults.AuthenticationScheme"/>):
    /// authorize, the API gate, pending calls, settings, login, WeChat's privacy agreement and plugin authorization, under <c>/api/v1</c>.</summary>
    public static RouteGroupBuilder MapUniAuthorizeMiniAppApi(this IEndpointRouteBuilder endpoints)
    {
        var group = Group(endpoints, "/api/v1").WithTags("Mini-app").RequireAuthorization(SessionPolicy).RequireCors(MiniAppCors.PolicyName);
        MiniAppEndpoints.Map(group);
        PrivacyEndpoints.Map(group);
        PluginEndpoints.Map(group);
        return group;
    }

    /// <summary>What the pages call for the signed-in user (see <see cref="UniAuthorizeHostOptions.UserAuthenticationScheme"/>):
    /// consents and their answers, settings per app, launching an app, under <c>/api/v1/user</c>.</summary>
    public static RouteGroupBuilder MapUniAuthorizeUserApi(this IEndpointRouteBuilder endpoints)
    {
        var group = Group(endpoints, "/api/v1/user").WithTags("User");
        UserEndpoints.Map(group);
        return group;
    }

    /// <summary>The operator's API under <c>/admin/v1</c>, guarded by <c>X-Admin-Key</c> or by
    /// <see cref="UniAuthorizeHostOptions.OperatorPolicy"/>: apps, users, their data and decisions, and the live figures.</summary>
    public static RouteGroupBuilder MapUniAuthorizeAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var group = Group(endpoints, "/admin/v1").WithTags("Admin");
        // The live figures count from startup, not from the first time the console asks for them.
        endpoints.ServiceProvider.GetRequiredService<LiveFigures>();
        AdminEndpoints.Map(group);
        return group;
    }

    /// <summary>The app servers' code exchange under <c>/api/v1/exchange</c>, limited per app and client address
    /// (<see cref="UniAuthorizeHostOptions.ExchangePermitLimit"/>; over it, the platform's own over-limit answer).</summary>
    public static RouteGroupBuilder MapUniAuthorizeCodeExchange(this IEndpointRouteBuilder endpoints)
    {
        var group = Group(endpoints, "/api/v1/exchange").WithTags("Code exchange");
        AnyContentType.Apply(group);
        ExchangeEndpoints.Map(group);
        return group;
    }

    /// <summary>The scope catalog per platform under <c>/api/v1/scopes</c>: public, and answering CORS as the mini-app API
    /// does, so that mini-app code in the sandbox reads it.</summary>
    public static RouteGroupBuilder MapUniAuthorizeCatalog(this IEndpointRouteBuilder endpoints)
    {
        var group = Group(endpoints, "/api/v1/scopes").WithTags("Catalog").RequireCors(MiniAppCors.PolicyName);
        CatalogEndpoints.Map(group);
        return group;
    }

    /// <summary>The mini-program bridge script at <c>/bridge/uni-bridge.js</c>.</summary>
    public static RouteGroupBuilder MapUniAuthorizeBridge(this IEndpointRouteBuilder endpoints)
    {
        var group = Group(endpoints, string.Empty).WithTags("Bridge").RequireCors(MiniAppCors.PolicyName);
        BridgeEndpoints.Map(group);
        return group;
    }

    /// <summary>The consent and settings pages, the console, the data page and the mini-app sandbox (paths from
    /// <see cref="UniAuthorizeHostOptions"/>) and their assets under <c>/assets</c>.</summary>
    public static RouteGroupBuilder MapUniAuthorizePages(this IEndpointRouteBuilder endpoints)
    {
        var group = Group(endpoints, string.Empty).WithTags("Pages").ExcludeFromDescription();
        PageEndpoints.Map(group);
        return group;
    }

    /// <summary>The demo mini-app page at <c>/</c> (it needs <see cref="MapUniAuthorizePages"/> for its assets).</summary>
    public static RouteHandlerBuilder MapUniAuthorizeDemoPage(this IEndpointRouteBuilder endpoints, string pattern = "/")
    {
        Ensure(endpoints);
        return PageEndpoints.MapDemo(endpoints, pattern).AnswerHeadLikeGet();
    }

    private static readonly AuthorizationPolicy SessionPolicy =
        new AuthorizationPolicyBuilder(MiniAppSessionDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build();

    private static RouteGroupBuilder Group(IEndpointRouteBuilder endpoints, string prefix)
    {
        Ensure(endpoints);
        return endpoints.MapGroup(prefix).AddEndpointFilter(EndpointSafety.InvokeAsync).AnswerHeadLikeGet();
    }

    private static void Ensure(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<HostMarker>() is null)
        {
            throw new InvalidOperationException("Mapping Uni.Authorize endpoints needs builder.Services.AddUniAuthorizeHost(...) first.");
        }
    }
}
