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
    public static IUniAuthorizeBuilder AddUniAuthorize(this IServiceCollection services, Action<UniAuthorizeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        // A bad setting stops a host at start-up rather than failing the first request.
        services.AddOptions<UniAuthorizeOptions>().Configure(configure).Validate(static o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
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
