using Microsoft.Extensions.Logging;

namespace Uni.Authorize.Sqlite;

/// <summary>
/// The SQLite stores of one database file, built without dependency injection: give <see cref="Decisions"/> and
/// <see cref="AuthCodes"/> to <see cref="UniAuthorizeOptions"/>. Dispose it after the authorizer to close the file.
/// </summary>
public sealed class SqliteStores : IDisposable
{
    private readonly SqliteDatabase _database;

    /// <summary>Opens (creating and migrating when needed) the database file named by <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names the setting.</exception>
    public SqliteStores(SqliteStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        _database = new SqliteDatabase(options, loggerFactory);
        Decisions = new SqliteDecisionStore(_database);
        AuthCodes = new SqliteAuthCodeStore(_database);
        Identities = new SqliteIdentityStore(_database);
        Manifests = new SqliteAppManifestStore(_database);
    }

    /// <summary>The apps' manifests (declared purposes).</summary>
    public IAppManifestStore Manifests { get; }

    /// <summary>The decisions and their audit trail.</summary>
    public IDecisionStore Decisions { get; }

    /// <summary>The auth codes.</summary>
    public IAuthCodeStore AuthCodes { get; }

    /// <summary>The host's apps, users, mini-app sessions and keys.</summary>
    public IIdentityStore Identities { get; }

    /// <inheritdoc />
    public void Dispose() => _database.Dispose();
}
