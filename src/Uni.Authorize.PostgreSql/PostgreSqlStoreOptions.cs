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

        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
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

        if (ChangeFeedHeartbeat <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"PostgreSqlStoreOptions.ChangeFeedHeartbeat must be positive; it is {ChangeFeedHeartbeat}.");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
