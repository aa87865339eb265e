namespace Uni.Authorize.Sqlite;

/// <summary>Settings of the SQLite stores.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The database file. Created with its schema when missing; its folder must exist or be creatable.</summary>
    public string Path { get; set; } = "";

    /// <summary>How long a call waits for another writer (in this or another process) before failing. Default 5 seconds.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest size the file may grow to, or <see langword="null"/> for no limit. A full database fails
    /// writes (the engine fails closed) until pruning frees room.</summary>
    public long? MaxDatabaseBytes { get; set; }
}

internal sealed class SqliteStoreOptionsValidator(string prefix = "SqliteStoreOptions.") : OptionsValidator<SqliteStoreOptions>(prefix)
{
    public static SqliteStoreOptionsValidator Code { get; } = new();

    protected override void Check(SqliteStoreOptions options, List<string> failures)
    {
        var path = options.Path;
        if (string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{Prefix}Path is required: the database file to use (for example \"authorize.db\").");
        }
        else if (path.Contains('\0', StringComparison.Ordinal) || path.StartsWith(':') || path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{Prefix}Path must be a plain file path, not a URI or an in-memory name.");
        }

        if (options.BusyTimeout <= TimeSpan.Zero || options.BusyTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Prefix}BusyTimeout must be between 0 and 10 minutes (exclusive of 0); it is {options.BusyTimeout}.");
        }

        if (options.MaxDatabaseBytes is < 64 * 1024)
        {
            failures.Add($"{Prefix}MaxDatabaseBytes must be at least 65536 bytes when set.");
        }
    }
}
