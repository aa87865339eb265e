using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Uni.Authorize;
using Uni.Authorize.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite stores.</summary>
public static class SqliteUniAuthorizeBuilderExtensions
{
    /// <summary>Keeps decisions, auth codes, identities (<see cref="IIdentityStore"/>), webhooks (<see cref="IWebhookStore"/>), manifests (<see cref="IAppManifestStore"/>) and access records (<see cref="IAccessRecordStore"/>) in the SQLite file at <paramref name="path"/>, created with its schema
    /// (and its folder) when missing and migrated at start-up.</summary>
    /// <exception cref="OptionsValidationException">At start-up: the path is missing or not a plain file path.</exception>
    public static IUniAuthorizeBuilder AddSqliteStore(this IUniAuthorizeBuilder builder, string path) =>
        builder.AddSqliteStore(options => options.Path = path);

    /// <summary>Keeps decisions, auth codes and identities in SQLite as configured by <paramref name="configure"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>AddDecisionCache</c> was called first.</exception>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names it).</exception>
    public static IUniAuthorizeBuilder AddSqliteStore(this IUniAuthorizeBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddSqliteServices();
        ValidatedOptions.Add(builder.Services, SqliteStoreOptionsValidator.Code).Configure(configure);
        return builder;
    }

    /// <summary>Keeps decisions, auth codes and identities in SQLite with settings bound from <paramref name="section"/>
    /// (<c>Path</c>, <c>BusyTimeout</c>, <c>MaxDatabaseBytes</c>).</summary>
    /// <exception cref="InvalidOperationException"><c>AddDecisionCache</c> was called first.</exception>
    /// <exception cref="OptionsValidationException">At start-up: a setting is invalid (the message names its path).</exception>
    public static IUniAuthorizeBuilder AddSqliteStore(this IUniAuthorizeBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.AddSqliteServices();
        ValidatedOptions.Bind<SqliteStoreOptions, SqliteStoreOptionsValidator>(builder.Services, section, static prefix => new SqliteStoreOptionsValidator(prefix));
        return builder;
    }

    private static void AddSqliteServices(this IUniAuthorizeBuilder builder)
    {
        var services = builder.Services;
        if (services.HasDecisionCache())
        {
            throw new InvalidOperationException("Call AddSqliteStore before AddDecisionCache: the cache wraps the store registered before it.");
        }

        services.Replace(ServiceDescriptor.Singleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value, sp.GetService<ILoggerFactory>())
        {
            Clock = sp.GetService<TimeProvider>() ?? TimeProvider.System,
        }));
        services.Replace(ServiceDescriptor.Singleton<IDecisionStore>(static sp => new SqliteDecisionStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAuthCodeStore>(static sp => new SqliteAuthCodeStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IIdentityStore>(static sp => new SqliteIdentityStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IWebhookStore>(static sp => new SqliteWebhookStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAppManifestStore>(static sp => new SqliteAppManifestStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAccessRecordStore>(static sp => new SqliteAccessRecordStore(sp.GetRequiredService<SqliteDatabase>())));
    }
}
