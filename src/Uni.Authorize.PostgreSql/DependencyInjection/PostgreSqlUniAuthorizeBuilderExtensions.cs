using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uni.Authorize;
using Uni.Authorize.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL stores.</summary>
public static class PostgreSqlUniAuthorizeBuilderExtensions
{
    /// <summary>Keeps decisions, auth codes, identities (<see cref="IIdentityStore"/>), pending consents and calls in
    /// PostgreSQL (schema <c>uni_authorize</c>, created and migrated on first use), and registers the change feed that keeps
    /// caches and waiting calls on every host in step and the advisory lock that lets one host at a time run housekeeping.</summary>
    /// <exception cref="InvalidOperationException"><c>AddDecisionCache</c> was called first.</exception>
    /// <exception cref="OptionsValidationException">At start-up: the connection string is missing or malformed.</exception>
    public static IUniAuthorizeBuilder AddPostgreSqlStore(this IUniAuthorizeBuilder builder, string connectionString) =>
        builder.AddPostgreSqlStore(options => options.ConnectionString = connectionString);

    /// <summary>Keeps decisions, auth codes and identities in PostgreSQL as configured by <paramref name="configure"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>AddDecisionCache</c> was called first.</exception>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names it).</exception>
    public static IUniAuthorizeBuilder AddPostgreSqlStore(this IUniAuthorizeBuilder builder, Action<PostgreSqlStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddPostgreSqlServices();
        ValidatedOptions.Add(builder.Services, PostgreSqlStoreOptionsValidator.Code).Configure(configure);
        return builder;
    }

    /// <summary>Keeps decisions, auth codes and identities in PostgreSQL with settings bound from <paramref name="section"/>
    /// (<c>ConnectionString</c>, <c>Schema</c>, <c>MaxPoolSize</c>, <c>ChangeFeedHeartbeat</c>).</summary>
    /// <exception cref="InvalidOperationException"><c>AddDecisionCache</c> was called first.</exception>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddPostgreSqlStore(this IUniAuthorizeBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddPostgreSqlServices();
        ValidatedOptions.Bind<PostgreSqlStoreOptions, PostgreSqlStoreOptionsValidator>(builder.Services, section, static prefix => new PostgreSqlStoreOptionsValidator(prefix));
        return builder;
    }

    private static void AddPostgreSqlServices(this IUniAuthorizeBuilder builder)
    {
        if (builder.Services.HasDecisionCache())
        {
            throw new InvalidOperationException("Call AddPostgreSqlStore before AddDecisionCache, so that the cache wraps the PostgreSQL store.");
        }

        var services = builder.Services;
        services.Replace(ServiceDescriptor.Singleton(sp => new PostgreSqlDatabase(sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value, sp.GetService<ILoggerFactory>())
        {
            Clock = sp.GetService<TimeProvider>() ?? TimeProvider.System,
        }));
        services.Replace(ServiceDescriptor.Singleton<IDecisionStore>(static sp => new PostgreSqlDecisionStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAuthCodeStore>(static sp => new PostgreSqlAuthCodeStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton(static sp => new PostgreSqlDecisionChangeFeed(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IDecisionChangeFeed>(static sp => sp.GetRequiredService<PostgreSqlDecisionChangeFeed>()));
        services.Replace(ServiceDescriptor.Singleton<IConsentStore>(static sp =>
            new PostgreSqlConsentStore(sp.GetRequiredService<PostgreSqlDatabase>(), sp.GetRequiredService<PostgreSqlDecisionChangeFeed>())));
        services.Replace(ServiceDescriptor.Singleton<IIdentityStore>(static sp => new PostgreSqlIdentityStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IWebhookStore>(static sp => new PostgreSqlWebhookStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAppManifestStore>(static sp => new PostgreSqlAppManifestStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAccessRecordStore>(static sp => new PostgreSqlAccessRecordStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IHousekeepingLock>(static sp => new PostgreSqlHousekeepingLock(sp.GetRequiredService<PostgreSqlDatabase>())));
    }
}
