using System.Data.Common;
using System.Globalization;
using Npgsql;
using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.Host;

/// <summary>Where the host keeps its data: <c>Store:Provider</c> is <c>Sqlite</c> (default, a file under
/// <c>Store:DataDirectory</c>, default <c>./data</c>), <c>PostgreSql</c> (with <c>Store:ConnectionString</c>) or
/// <c>InMemory</c> (nothing survives a restart; for tests). <c>Store:MaxPoolSize</c> bounds each PostgreSQL pool
/// (default 20). A mistake throws <see cref="InvalidOperationException"/> naming the setting.</summary>
internal sealed class StoreSettings
{
    private const int DefaultMaxPoolSize = 20;

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
                Directory.CreateDirectory(directory);
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
                Directory.CreateDirectory(directory);
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
                builder.AddSqliteStore(Path.Combine(DataDirectory!, "decisions.db")).AddDecisionCache();
                builder.Services.AddSingleton<IIdentityStore>(_ => new SqliteIdentityStore(Path.Combine(DataDirectory!, "identities.db")));
                break;
            case "PostgreSql":
                builder.AddPostgreSqlStore(o =>
                {
                    o.ConnectionString = ConnectionString;
                    o.MaxPoolSize = MaxPoolSize;
                }).AddDecisionCache();
                builder.Services.AddSingleton<IIdentityStore>(_ => new PostgreSqlIdentityStore(Bounded(ConnectionString!, MaxPoolSize)));
                break;
        }
    }

    // The identity store's own pool gets the same bound, unless the connection string sets one.
    private static string Bounded(string connectionString, int maxPoolSize)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(static k => k.Replace(" ", string.Empty, StringComparison.Ordinal));
        return given.Any(static k => k.Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase) || k.Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase))
            ? connectionString
            : new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPoolSize }.ConnectionString;
    }
}
