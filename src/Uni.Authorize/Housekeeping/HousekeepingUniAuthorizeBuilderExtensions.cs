using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Uni.Authorize;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers housekeeping: a hosted service that prunes finished rows in the background.</summary>
public static class HousekeepingUniAuthorizeBuilderExtensions
{
    /// <summary>Prunes redeemed and expired auth codes, expired decisions, expired sessions and every other registered
    /// <see cref="IHousekeepingTask"/> every 5 minutes, in batches of 1000. Calling it again adds nothing.</summary>
    public static IUniAuthorizeBuilder AddHousekeeping(this IUniAuthorizeBuilder builder) => builder.AddHousekeeping(static _ => { });

    /// <summary>Registers housekeeping with the settings <paramref name="configure"/> makes; each call's settings
    /// apply on top of the earlier ones.</summary>
    /// <exception cref="InvalidOperationException">At start-up: a setting is out of range (the message names it).</exception>
    public static IUniAuthorizeBuilder AddHousekeeping(this IUniAuthorizeBuilder builder, Action<HousekeepingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<HousekeepingOptions>().Configure(configure).Validate(static o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHousekeepingLock, InProcessHousekeepingLock>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, AuthCodesHousekeepingTask>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, DecisionsHousekeepingTask>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, SessionsHousekeepingTask>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HousekeepingService>());
        return builder;
    }
}
