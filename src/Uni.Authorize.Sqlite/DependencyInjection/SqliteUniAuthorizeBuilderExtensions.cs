using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Uni.Authorize;
using Uni.Authorize.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite stores.</summary>
public static class SqliteUniAuthorizeBuilderExtensions
{
    /// <summary>Keeps decisions, auth codes, identities (<see cref="IIdentityStore"/>), webhooks (<see cref="IWebhookStore"/>) and access records (<see cref="IAccessRecordStore"/>) in the SQLite file at <paramref name="path"/>, created with its schema
    /// (and its folder) when missing and migrated at start-up.</summary>
    /// <exception cref="InvalidOperationException">The path is missing or not a plain file path.</exception>
    public static IUniAuthorizeBuilder AddSqliteStore(this IUniAuthorizeBuilder builder, string path) =>
        builder.AddSqliteStore(options => options.Path = path);

    /// <summary>Keeps decisions, auth codes and identities in SQLite as configured by <paramref name="configure"/>.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid (the message names the setting), or
    /// <c>AddDecisionCache</c> was called first.</exception>
    public static IUniAuthorizeBuilder AddSqliteStore(this IUniAuthorizeBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SqliteStoreOptions();
        configure(options);
        options.Validate();

        var services = builder.Services;
        if (services.HasDecisionCache())
        {
            throw new InvalidOperationException("Call AddSqliteStore before AddDecisionCache: the cache wraps the store registered before it.");
        }

        services.Replace(ServiceDescriptor.Singleton(sp => new SqliteDatabase(options, sp.GetService<ILoggerFactory>())
        {
            Clock = sp.GetService<TimeProvider>() ?? TimeProvider.System,
        }));
        services.Replace(ServiceDescriptor.Singleton<IDecisionStore>(static sp => new SqliteDecisionStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAuthCodeStore>(static sp => new SqliteAuthCodeStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IIdentityStore>(static sp => new SqliteIdentityStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IWebhookStore>(static sp => new SqliteWebhookStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IAccessRecordStore>(static sp => new SqliteAccessRecordStore(sp.GetRequiredService<SqliteDatabase>())));
        return builder;
    }
}
