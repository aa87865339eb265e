using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Uni.Authorize;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the access report: every use of a gated API that runs is recorded, off the caller's path.</summary>
public static class AccessReportUniAuthorizeBuilderExtensions
{
    /// <summary>Records uses of gated APIs into the registered <see cref="IAccessRecordStore"/> (in memory unless a store
    /// package registers one), written in the background and pruned by housekeeping after 30 days.</summary>
    public static IUniAuthorizeBuilder AddAccessReport(this IUniAuthorizeBuilder builder) => builder.AddAccessReport(static _ => { });

    /// <summary>Registers the access report with the settings <paramref name="configure"/> makes; each call's settings
    /// apply on top of the earlier ones.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is out of range (the message names it).</exception>
    public static IUniAuthorizeBuilder AddAccessReport(this IUniAuthorizeBuilder builder, Action<AccessReportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ValidatedOptions.Add(builder.Services, new AccessReportOptionsValidator()).Configure(configure);
        return builder.AddAccessReportServices();
    }

    /// <summary>Registers the access report with settings bound from <paramref name="section"/> (<c>Enabled</c>,
    /// <c>Retention</c>, <c>BufferCapacity</c>, <c>FlushInterval</c>, <c>BatchSize</c>), on top of earlier calls' settings.</summary>
    /// <exception cref="OptionsValidationException">At start-up: a setting is out of range (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddAccessReport(this IUniAuthorizeBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        ValidatedOptions.Bind<AccessReportOptions, AccessReportOptionsValidator>(builder.Services, section, static prefix => new AccessReportOptionsValidator(prefix));
        return builder.AddAccessReportServices();
    }

    private static IUniAuthorizeBuilder AddAccessReportServices(this IUniAuthorizeBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAccessRecordStore, InMemoryAccessRecordStore>();
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<AccessReportOptions>>().Value;
            var logger = (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Uni.Authorize.AccessReport");
            return new AccessRecorder(sp.GetRequiredService<IAccessRecordStore>(), options, sp.GetRequiredService<TimeProvider>(), logger,
                sp.GetService<IMeterFactory>());
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AccessRecordWriter>(static sp =>
            new AccessRecordWriter(sp.GetRequiredService<AccessRecorder>(), sp.GetRequiredService<IOptions<AccessReportOptions>>().Value.FlushInterval)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHousekeepingTask, AccessRecordsHousekeepingTask>());
        return builder;
    }
}
