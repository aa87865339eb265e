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
        // A redirect would send the signed event somewhere the app did not register.
        services.AddHttpClient(WebhookDelivery.HttpClientName).ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, WebhookDelivery>());
    }
}
