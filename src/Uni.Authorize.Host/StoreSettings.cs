using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Uni.Authorize.Host;

/// <summary>Where the host keeps its data: <c>Store:Provider</c> is <c>Sqlite</c> (default, a file under
/// <c>Store:DataDirectory</c>, default <c>./data</c>), <c>PostgreSql</c> (with <c>Store:ConnectionString</c>) or
/// <c>InMemory</c> (nothing survives a restart; for tests). <c>Store:MaxPoolSize</c> bounds each PostgreSQL pool
/// (default 20). Decisions, auth codes and identities share one store. A mistake throws
/// <see cref="InvalidOperationException"/> naming the setting.</summary>
internal sealed class StoreSettings
{
    private const int DefaultMaxPoolSize = 20;
    private const string DatabaseFile = "decisions.db";

    // Where hosts before the identity store moved into the store packages kept identities.
    private const string LegacyIdentitiesFile = "identities.db";

    private StoreSettings(string provider, string? dataDirectory, string? connectionString, int maxPoolSize = DefaultMaxPoolSize)
    {
        Provider = provider;
        DataDirectory = dataDirectory;
        ConnectionString = connectionString;
        MaxPoolSize = maxPoolSize;
    }

    public string Provider { get; }

    public string? DataDirectory { get; }

    public string? ConnectionString { get; }

    public int MaxPoolSize { get; }

    public string Description => Provider switch
    {
        "InMemory" => "in-memory store: nothing survives a restart",
        "PostgreSql" => "PostgreSQL store",
        _ => "SQLite store in " + Path.GetFullPath(DataDirectory!),
    };

    public static StoreSettings From(IConfiguration configuration)
    {
        var provider = configuration["Store:Provider"] ?? "Sqlite";
        var directory = configuration["Store:DataDirectory"] ?? "data";
        switch (provider.ToLowerInvariant())
        {
            case "sqlite":
                DataFolder.Create(directory);
                return new StoreSettings("Sqlite", directory, null);
            case "postgresql":
                var connectionString = configuration["Store:ConnectionString"];
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException("Store:Provider is PostgreSql but Store:ConnectionString is missing (set Store__ConnectionString).");
                }

                try
                {
                    _ = new NpgsqlConnectionStringBuilder(connectionString);
                }
                catch (ArgumentException ex)
                {
                    // Npgsql's message names the keyword, never the value: no password reaches the console.
                    throw new InvalidOperationException($"Store:ConnectionString is not a valid Npgsql connection string: {ex.Message}", ex);
                }

                var pool = configuration["Store:MaxPoolSize"] is not { } text ? DefaultMaxPoolSize
                    : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1 ? parsed
                    : throw new InvalidOperationException($"Store:MaxPoolSize must be a whole number of at least 1; it is \"{text}\".");
                DataFolder.Create(directory);
                return new StoreSettings("PostgreSql", directory, connectionString, pool);
            case "inmemory":
                return new StoreSettings("InMemory", null, null);
            default:
                throw new InvalidOperationException($"Store:Provider is \"{provider}\"; use Sqlite, PostgreSql or InMemory.");
        }
    }

    public void Register(IUniAuthorizeBuilder builder)
    {
        switch (Provider)
        {
            case "Sqlite":
                builder.AddSqliteStore(Path.Combine(DataDirectory!, DatabaseFile)).AddDecisionCache();
                break;
            case "PostgreSql":
                builder.AddPostgreSqlStore(o =>
                {
                    o.ConnectionString = ConnectionString;
                    o.MaxPoolSize = MaxPoolSize;
                }).AddDecisionCache();
                break;
        }
    }

    /// <summary>Copies apps, users, sessions and keys from the separate identities file of earlier hosts into the store
    /// (once: the file is renamed afterwards), so that app secrets and pseudonyms survive the upgrade.</summary>
    public async Task ImportLegacyIdentitiesAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var legacy = Provider == "Sqlite" ? Path.Combine(DataDirectory!, LegacyIdentitiesFile) : null;
        if (legacy is null || !File.Exists(legacy))
        {
            return;
        }

        // Resolving the store opens and migrates the database, so the identity tables exist.
        var store = services.GetRequiredService<IIdentityStore>();
        _ = await store.ListAppsAsync(cancellationToken).ConfigureAwait(false);
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(DataDirectory!, DatabaseFile), Pooling = false };
        await using (var connection = new SqliteConnection(builder.ToString()))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 5000; ATTACH DATABASE $legacy AS legacy;";
            command.Parameters.AddWithValue("$legacy", legacy);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            command.Parameters.Clear();
            // The old file kept Unix milliseconds; the store keeps UTC ticks.
            command.CommandText = """
                BEGIN IMMEDIATE;
                INSERT OR IGNORE INTO identity_apps (id, name, platform, secret_hash, created_at)
                    SELECT id, name, platform, secret_hash, created_at * 10000 + 621355968000000000 FROM legacy.host_apps;
                INSERT OR IGNORE INTO identity_users (id, name, created_at)
                    SELECT id, name, created_at * 10000 + 621355968000000000 FROM legacy.host_users;
                INSERT OR IGNORE INTO identity_sessions (token_hash, app_id, user_id, issued_at, expires_at)
                    SELECT token_hash, app_id, user_id, issued_at * 10000 + 621355968000000000, expires_at * 10000 + 621355968000000000
                    FROM legacy.host_sessions;
                INSERT OR IGNORE INTO identity_keys (name, value) SELECT name, value FROM legacy.host_keys;
                COMMIT;
                DETACH DATABASE legacy;
                """;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(legacy + suffix))
            {
                File.Move(legacy + suffix, legacy + ".imported" + suffix, overwrite: true);
            }
        }
    }
}

/// <summary>Imports the identities file of an earlier version at start, before anything else uses the store.</summary>
internal sealed class LegacyIdentityImport(StoreSettings store, IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.ImportLegacyIdentitiesAsync(services, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
