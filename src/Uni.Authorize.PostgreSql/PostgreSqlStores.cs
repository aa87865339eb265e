using Microsoft.Extensions.Logging;

namespace Uni.Authorize.PostgreSql;

/// <summary>
/// The PostgreSQL stores of one schema, built without dependency injection: give <see cref="Decisions"/> and
/// <see cref="AuthCodes"/> to <see cref="UniAuthorizeOptions"/>. Dispose it after the authorizer to close the pool.
/// </summary>
public sealed class PostgreSqlStores : IDisposable, IAsyncDisposable
{
    private readonly PostgreSqlDatabase _database;

    /// <summary>Builds the stores on one connection pool; the schema is created and migrated before the first query.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names the setting.</exception>
    public PostgreSqlStores(PostgreSqlStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        _database = new PostgreSqlDatabase(options, loggerFactory);
        Decisions = new PostgreSqlDecisionStore(_database);
        AuthCodes = new PostgreSqlAuthCodeStore(_database);
        Identities = new PostgreSqlIdentityStore(_database);
        Manifests = new PostgreSqlAppManifestStore(_database);
    }

    /// <summary>The decisions and their audit trail.</summary>
    public IDecisionStore Decisions { get; }

    /// <summary>The auth codes.</summary>
    public IAuthCodeStore AuthCodes { get; }

    /// <summary>The host's apps, users, mini-app sessions and keys.</summary>
    public IIdentityStore Identities { get; }

    /// <summary>The apps' manifests: their declared purposes, with a version.</summary>
    public IAppManifestStore Manifests { get; }

    /// <inheritdoc />
    public void Dispose() => _database.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
