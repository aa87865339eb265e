using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.Host;

/// <summary>Where the host keeps its data: <c>Store:Provider</c> is <c>Sqlite</c> (default, a file under
/// <c>Store:DataDirectory</c>, default <c>./data</c>), <c>PostgreSql</c> (with <c>Store:ConnectionString</c>) or
/// <c>InMemory</c> (nothing survives a restart; for tests).</summary>
internal sealed class StoreSettings
{
    private StoreSettings(string provider, string? dataDirectory, string? connectionString)
    {
        Provider = provider;
        DataDirectory = dataDirectory;
        ConnectionString = connectionString;
    }

    public string Provider { get; }

    public string? DataDirectory { get; }

    public string? ConnectionString { get; }

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

                Directory.CreateDirectory(directory);
                return new StoreSettings("PostgreSql", directory, connectionString);
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
                builder.AddPostgreSqlStore(ConnectionString!).AddDecisionCache();
                builder.Services.AddSingleton<IIdentityStore>(_ => new PostgreSqlIdentityStore(ConnectionString!));
                break;
        }
    }
}
