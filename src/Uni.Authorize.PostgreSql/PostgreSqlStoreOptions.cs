using System.Data.Common;
using System.Text.RegularExpressions;
using Npgsql;

namespace Uni.Authorize.PostgreSql;

/// <summary>Configures the PostgreSQL decision and auth code stores.</summary>
public sealed partial class PostgreSqlStoreOptions
{
    /// <summary>The longest schema name accepted (the change channel name adds a suffix within PostgreSQL's 63 bytes).</summary>
    public const int MaxSchemaLength = 40;

    /// <summary>An Npgsql connection string, for example <c>Host=db;Username=app;Password=...;Database=app</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The schema holding the tables, created when missing: lower-case letters, digits and underscores.
    /// Default: <c>uni_authorize</c>.</summary>
    public string Schema { get; set; } = "uni_authorize";

    /// <summary>The most pooled connections this instance opens (Npgsql's <c>Maximum Pool Size</c>, which wins when the
    /// connection string sets it). A request finding every connection busy waits up to the connection string's
    /// <c>Timeout</c> (Npgsql's default: 15 seconds) for one, then fails as the store being unavailable. The change
    /// feed's one listening connection comes on top. Default: 20.</summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>How often the change feed checks an idle listening connection. Default: 5 seconds.</summary>
    public TimeSpan ChangeFeedHeartbeat { get; set; } = TimeSpan.FromSeconds(5);

    internal string ChangeChannel => Schema + "_decision_changed";

    internal string ConsentChannel => Schema + "_consent_changed";

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new InvalidOperationException("PostgreSqlStoreOptions.ConnectionString is required: pass an Npgsql connection string to AddPostgreSqlStore.");
        }

        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"PostgreSqlStoreOptions.ConnectionString is not a valid Npgsql connection string: {ex.Message}", ex);
        }

        if (Schema is null || !SchemaName().IsMatch(Schema))
        {
            throw new InvalidOperationException(
                $"PostgreSqlStoreOptions.Schema must be 1 to {MaxSchemaLength} characters: a lower-case letter or underscore, then lower-case letters, digits or underscores.");
        }

        if (MaxPoolSize < 1)
        {
            throw new InvalidOperationException($"PostgreSqlStoreOptions.MaxPoolSize must be at least 1; it is {MaxPoolSize}.");
        }

        if (connection.MinPoolSize > EffectiveMaxPoolSize(connection))
        {
            throw new InvalidOperationException(
                $"PostgreSqlStoreOptions.MaxPoolSize ({EffectiveMaxPoolSize(connection)}) is below the connection string's Minimum Pool Size ({connection.MinPoolSize}).");
        }

        if (ChangeFeedHeartbeat <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"PostgreSqlStoreOptions.ChangeFeedHeartbeat must be positive; it is {ChangeFeedHeartbeat}.");
        }
    }

    /// <summary>The pool bound in force: the connection string's <c>Maximum Pool Size</c> when it sets one, else <see cref="MaxPoolSize"/>.</summary>
    internal int EffectiveMaxPoolSize(NpgsqlConnectionStringBuilder connection) =>
        SetsMaxPoolSize(ConnectionString!) ? connection.MaxPoolSize : MaxPoolSize;

    // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword is known, not whether it was given.
    private static bool SetsMaxPoolSize(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(static k => k.Replace(" ", string.Empty, StringComparison.Ordinal))
            .Any(static k => k.Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase) || k.Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
