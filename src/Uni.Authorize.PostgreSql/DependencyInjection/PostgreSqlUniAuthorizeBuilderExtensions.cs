using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Uni.Authorize;
using Uni.Authorize.PostgreSql;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL stores.</summary>
public static class PostgreSqlUniAuthorizeBuilderExtensions
{
    /// <summary>Keeps decisions, auth codes, identities (<see cref="IIdentityStore"/>), pending consents and calls in
    /// PostgreSQL (schema <c>uni_authorize</c>, created and migrated on first use), and registers the change feed that keeps
    /// caches and waiting calls on every host in step and the advisory lock that lets one host at a time run housekeeping.</summary>
    /// <exception cref="InvalidOperationException">The connection string is missing or malformed, or <c>AddDecisionCache</c> was called first.</exception>
    public static IUniAuthorizeBuilder AddPostgreSqlStore(this IUniAuthorizeBuilder builder, string connectionString) =>
        builder.AddPostgreSqlStore(options => options.ConnectionString = connectionString);

    /// <summary>Keeps decisions, auth codes and identities in PostgreSQL as configured by <paramref name="configure"/>.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid (the message names the setting), or
    /// <c>AddDecisionCache</c> was called first.</exception>
    public static IUniAuthorizeBuilder AddPostgreSqlStore(this IUniAuthorizeBuilder builder, Action<PostgreSqlStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        if (builder.Services.HasDecisionCache())
        {
            throw new InvalidOperationException("Call AddPostgreSqlStore before AddDecisionCache, so that the cache wraps the PostgreSQL store.");
        }

        var options = new PostgreSqlStoreOptions();
        configure(options);
        options.Validate();

        var services = builder.Services;
        services.Replace(ServiceDescriptor.Singleton(sp => new PostgreSqlDatabase(options, sp.GetService<ILoggerFactory>())
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
        services.Replace(ServiceDescriptor.Singleton<IAccessRecordStore>(static sp => new PostgreSqlAccessRecordStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IHousekeepingLock>(static sp => new PostgreSqlHousekeepingLock(sp.GetRequiredService<PostgreSqlDatabase>())));
        return builder;
    }
}
