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

    /// <summary>The pool bound in force: the connection string's <c>Maximum Pool Size</c> when it sets one, else <see cref="MaxPoolSize"/>.</summary>
    internal int EffectiveMaxPoolSize(NpgsqlConnectionStringBuilder connection) =>
        SetsMaxPoolSize(ConnectionString!) ? connection.MaxPoolSize : MaxPoolSize;

    // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword is known, not whether it was given.
    private static bool SetsMaxPoolSize(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(static k => k.Replace(" ", string.Empty, StringComparison.Ordinal))
            .Any(static k => k.Equals("MaxPoolSize", StringComparison.OrdinalIgnoreCase) || k.Equals("MaximumPoolSize", StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,39}$", RegexOptions.CultureInvariant)]
    internal static partial Regex SchemaName();
}

internal sealed class PostgreSqlStoreOptionsValidator(string prefix = "PostgreSqlStoreOptions.") : OptionsValidator<PostgreSqlStoreOptions>(prefix)
{
    public static PostgreSqlStoreOptionsValidator Code { get; } = new();

    protected override void Check(PostgreSqlStoreOptions options, List<string> failures)
    {
        NpgsqlConnectionStringBuilder? connection = null;
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{Prefix}ConnectionString is required: an Npgsql connection string.");
        }
        else
        {
            try
            {
                connection = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                // Npgsql's message names the keyword, never the value: no password reaches a log.
                failures.Add($"{Prefix}ConnectionString is not a valid Npgsql connection string: {ex.Message}");
            }
        }

        if (options.Schema is null || !PostgreSqlStoreOptions.SchemaName().IsMatch(options.Schema))
        {
            failures.Add($"{Prefix}Schema must be 1 to {PostgreSqlStoreOptions.MaxSchemaLength} characters: a lower-case letter or underscore, then lower-case letters, digits or underscores.");
        }

        if (options.MaxPoolSize < 1)
        {
            failures.Add($"{Prefix}MaxPoolSize must be at least 1; it is {options.MaxPoolSize}.");
        }
        else if (connection is not null && connection.MinPoolSize > options.EffectiveMaxPoolSize(connection))
        {
            failures.Add($"{Prefix}MaxPoolSize ({options.EffectiveMaxPoolSize(connection)}) is below the connection string's Minimum Pool Size ({connection.MinPoolSize}).");
        }

        Positive(options.ChangeFeedHeartbeat, nameof(options.ChangeFeedHeartbeat), failures);
    }
}
