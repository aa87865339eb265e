using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uni.Authorize.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Uni.Authorize host's endpoints.</summary>
public static class UniAuthorizeEndpointRouteBuilderExtensions
{
    /// <summary>Adds the host's middleware (error safety net, security headers, rate limiter) and maps its endpoints:
    /// the mini-app API, the user API, the admin API, the code exchange, the scope catalog, the pages (the demo at
    /// <c>/</c>, consent, settings), <c>/healthz</c> and <c>/openapi/v1.json</c>. Every GET endpoint answers HEAD too.</summary>
    /// <exception cref="InvalidOperationException"><c>services.AddUniAuthorizeHost()</c> was not called.</exception>
    public static WebApplication MapUniAuthorize(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<HostMarker>() is null)
        {
            throw new InvalidOperationException("app.MapUniAuthorize() needs builder.Services.AddUniAuthorizeHost(...) first.");
        }

        // Fail fast on bad options rather than on the first request.
        _ = app.Services.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.AspNetCore");
        app.Use((context, next) => SafetyNet.InvokeAsync(context, next, logger));
        app.UseRateLimiter();
        var endpoints = app.MapGroup(string.Empty).AnswerHeadLikeGet();
        CatalogEndpoints.Map(endpoints);
        MiniAppEndpoints.Map(endpoints);
        UserEndpoints.Map(endpoints);
        AdminEndpoints.Map(endpoints);
        ExchangeEndpoints.Map(endpoints);
        PrivacyEndpoints.Map(endpoints);
        PluginEndpoints.Map(endpoints);
        BridgeEndpoints.Map(endpoints);
        PageEndpoints.Map(endpoints);
        endpoints.MapOpenApi();
        return app;
    }
}
