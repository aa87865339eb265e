using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Uni.Authorize;
using Uni.Authorize.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Changes how the host delivers revocation webhooks (<c>AddUniAuthorizeHost</c> registers delivery with its defaults).</summary>
public static class WebhookUniAuthorizeBuilderExtensions
{
    /// <summary>Keeps the webhook settings as they are (the defaults, or earlier calls'); validates them at start-up.</summary>
    public static IUniAuthorizeBuilder AddWebhooks(this IUniAuthorizeBuilder builder) => builder.AddWebhooks(static _ => { });

    /// <summary>Applies <paramref name="configure"/> to the webhook settings, on top of earlier calls.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is out of range (the message names it).</exception>
    public static IUniAuthorizeBuilder AddWebhooks(this IUniAuthorizeBuilder builder, Action<UniAuthorizeWebhookOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ValidatedOptions.Add(builder.Services, UniAuthorizeWebhookOptionsValidator.Code).Configure(configure);
        return builder;
    }

    /// <summary>Binds the webhook settings from <paramref name="section"/> (<c>PollInterval</c>, <c>MaxAttempts</c>, ...),
    /// on top of earlier calls.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is out of range (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddWebhooks(this IUniAuthorizeBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        ValidatedOptions.Bind<UniAuthorizeWebhookOptions, UniAuthorizeWebhookOptionsValidator>(builder.Services, section, static prefix => new UniAuthorizeWebhookOptionsValidator(prefix));
        return builder;
    }

    internal static void AddWebhookDelivery(this IServiceCollection services)
    {
        ValidatedOptions.Add(services, UniAuthorizeWebhookOptionsValidator.Code);
        services.TryAddSingleton<WebhookDestinations>();
        // A redirect would send the signed event somewhere the app did not register; a proxy would connect in our stead,
        // past the destination check; every connection is opened by the check, to an address it resolved and allowed.
        services.AddHttpClient(WebhookDelivery.HttpClientName).ConfigurePrimaryHttpMessageHandler(static sp =>
        {
            var destinations = sp.GetRequiredService<WebhookDestinations>();
            return new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectCallback = destinations.ConnectAsync,
            };
        })
        // HttpClient's own logging would write the socket's error text of a failed attempt; delivery logs a category.
        .RemoveAllLoggers();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookDelivery>());
    }
}
