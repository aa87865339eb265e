using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Uni.Authorize;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Puts a <see cref="CachingDecisionStore"/> in front of the registered decision store.</summary>
public static class DecisionCacheBuilderExtensions
{
    /// <summary>Caches lookups of the decision store registered so far (call it after the store's registration).
    /// A registered <see cref="IDecisionChangeFeed"/> invalidates changes made by other processes.</summary>
    public static IUniAuthorizeBuilder AddDecisionCache(this IUniAuthorizeBuilder builder) => builder.AddDecisionCache(static _ => { });

    /// <summary>Caches lookups of the decision store registered so far, configured by <paramref name="configure"/>.</summary>
    /// <exception cref="InvalidOperationException">A cache is already registered.</exception>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names it).</exception>
    public static IUniAuthorizeBuilder AddDecisionCache(this IUniAuthorizeBuilder builder, Action<DecisionCacheOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddDecisionCacheServices();
        ValidatedOptions.Add(builder.Services, DecisionCacheOptionsValidator.Code).Configure(configure);
        return builder;
    }

    /// <summary>Caches lookups of the decision store registered so far, with settings bound from <paramref name="section"/>
    /// (<c>MaxEntries</c>).</summary>
    /// <exception cref="InvalidOperationException">A cache is already registered.</exception>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddDecisionCache(this IUniAuthorizeBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddDecisionCacheServices();
        ValidatedOptions.Bind<DecisionCacheOptions, DecisionCacheOptionsValidator>(builder.Services, section, static prefix => new DecisionCacheOptionsValidator(prefix));
        return builder;
    }

    /// <summary>Whether <see cref="AddDecisionCache(IUniAuthorizeBuilder)"/> was called, for store registrations that must come before it.</summary>
    public static bool HasDecisionCache(this IServiceCollection services) =>
        services?.Any(d => d.ServiceType == typeof(DecisionCacheMarker)) ?? throw new ArgumentNullException(nameof(services));

    private static void AddDecisionCacheServices(this IUniAuthorizeBuilder builder)
    {
        var services = builder.Services;
        if (services.HasDecisionCache())
        {
            throw new InvalidOperationException("AddDecisionCache was already called; call it once, after the store registration.");
        }

        services.AddSingleton<DecisionCacheMarker>();
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(IDecisionStore) && !d.IsKeyedService)
            ?? ServiceDescriptor.Singleton<IDecisionStore, InMemoryDecisionStore>();
        services.RemoveAll<IDecisionStore>();
        services.AddSingleton<IDecisionStore>(sp =>
        {
            var (store, owned) = Resolve(sp, inner);
            return new CachingDecisionStore(store, sp.GetRequiredService<IOptions<DecisionCacheOptions>>().Value, sp.GetService<IDecisionChangeFeed>(), owned);
        });
    }

    // The replaced registration is no longer in the container, so the cache owns (and disposes) what it creates here.
    private static (IDecisionStore Store, bool Owned) Resolve(IServiceProvider services, ServiceDescriptor descriptor)
    {
        if (descriptor.ImplementationInstance is IDecisionStore instance)
        {
            return (instance, false);
        }

        if (descriptor.ImplementationFactory is { } factory)
        {
            return ((IDecisionStore)factory(services), true);
        }

        return ((IDecisionStore)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!), true);
    }
}

/// <summary>Tells store registrations that <c>AddDecisionCache</c> ran.</summary>
internal sealed class DecisionCacheMarker;
