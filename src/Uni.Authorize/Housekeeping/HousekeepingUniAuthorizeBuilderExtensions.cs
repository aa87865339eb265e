using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
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
    /// <exception cref="OptionsValidationException">At start-up: a setting is out of range (the message names it).</exception>
    public static IUniAuthorizeBuilder AddHousekeeping(this IUniAuthorizeBuilder builder, Action<HousekeepingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ValidatedOptions.Add(builder.Services, new HousekeepingOptionsValidator()).Configure(configure);
        return builder.AddHousekeepingServices();
    }

    /// <summary>Registers housekeeping with settings bound from <paramref name="section"/> (<c>Enabled</c>,
    /// <c>Interval</c>, <c>BatchSize</c>), on top of earlier calls' settings.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is out of range (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddHousekeeping(this IUniAuthorizeBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        ValidatedOptions.Bind<HousekeepingOptions, HousekeepingOptionsValidator>(builder.Services, section, static prefix => new HousekeepingOptionsValidator(prefix));
        return builder.AddHousekeepingServices();
    }

    private static IUniAuthorizeBuilder AddHousekeepingServices(this IUniAuthorizeBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHousekeepingLock, InProcessHousekeepingLock>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, AuthCodesHousekeepingTask>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, DecisionsHousekeepingTask>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, SessionsHousekeepingTask>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HousekeepingService>());
        return builder;
    }
}
