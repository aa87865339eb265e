using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Uni.Authorize.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Changes how the host delivers revocation webhooks (<c>AddUniAuthorizeHost</c> registers delivery with its defaults).</summary>
public static class WebhookUniAuthorizeBuilderExtensions
{
    /// <summary>Applies <paramref name="configure"/> to the webhook settings, on top of earlier calls.</summary>
    /// <exception cref="InvalidOperationException">At start-up: a setting is out of range (the message names it).</exception>
    public static IUniAuthorizeBuilder AddWebhooks(this IUniAuthorizeBuilder builder, Action<UniAuthorizeWebhookOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<UniAuthorizeWebhookOptions>().Configure(configure);
        return builder;
    }

    internal static void AddWebhookDelivery(this IServiceCollection services)
    {
        services.AddOptions<UniAuthorizeWebhookOptions>().Validate(static o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        // A redirect would send the signed event somewhere the app did not register.
        services.AddHttpClient(WebhookDelivery.HttpClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookDelivery>());
    }
}
