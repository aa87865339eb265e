using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Uni.Authorize;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Uni.Authorize.</summary>
public static class UniAuthorizeServiceCollectionExtensions
{
    /// <summary>Registers singletons of <see cref="Authorizer"/>, <see cref="DecisionManager"/> and
    /// <see cref="AuthCodeService"/> over one engine, with in-memory stores unless others are registered.</summary>
    public static IUniAuthorizeBuilder AddUniAuthorize(this IServiceCollection services) => services.AddUniAuthorize(static _ => { });

    /// <summary>Registers the services of <see cref="AddUniAuthorize(IServiceCollection)"/> configured by <paramref name="configure"/>.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names it).</exception>
    public static IUniAuthorizeBuilder AddUniAuthorize(this IServiceCollection services, Action<UniAuthorizeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ValidatedOptions.Add(services, UniAuthorizeOptionsValidator.Code).Configure(configure);
        return services.AddUniAuthorizeServices();
    }

    /// <summary>Registers the services of <see cref="AddUniAuthorize(IServiceCollection)"/> with options bound from
    /// <paramref name="section"/> (for example <c>UniAuthorize</c>: <c>Platform</c>, <c>PromptTimeout</c>, ...).</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddUniAuthorize(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        ValidatedOptions.Bind<UniAuthorizeOptions, UniAuthorizeOptionsValidator>(services, section, static prefix => new UniAuthorizeOptionsValidator(prefix));
        return services.AddUniAuthorizeServices();
    }

    private static UniAuthorizeBuilder AddUniAuthorizeServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new InMemoryWebhookStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IWebhookStore>(static sp => sp.GetRequiredService<InMemoryWebhookStore>());
        services.TryAddSingleton<IDecisionStore>(static sp => new InMemoryDecisionStore(sp.GetRequiredService<InMemoryWebhookStore>()));
        services.TryAddSingleton<IAuthCodeStore, InMemoryAuthCodeStore>();
        services.TryAddSingleton<IConsentStore, InMemoryConsentStore>();
        // One engine behind the three services, so they share stores, settings and DecisionChanged.
        services.TryAddSingleton(static sp => new AuthorizeEngine(sp.GetRequiredService<IOptions<UniAuthorizeOptions>>().Value, sp));
        services.TryAddSingleton(static sp => new Authorizer(sp.GetRequiredService<AuthorizeEngine>()));
        services.TryAddSingleton(static sp => new DecisionManager(sp.GetRequiredService<AuthorizeEngine>()));
        services.TryAddSingleton(static sp => new AuthCodeService(sp.GetRequiredService<AuthorizeEngine>()));
        return new UniAuthorizeBuilder(services);
    }

    private sealed class UniAuthorizeBuilder(IServiceCollection services) : IUniAuthorizeBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}

/// <summary>Chains store and host registrations after <c>AddUniAuthorize</c>.</summary>
public interface IUniAuthorizeBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
