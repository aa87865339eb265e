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

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new InvalidOperationException("SqliteStoreOptions.Path is required: the database file to use (for example \"authorize.db\").");
        }

        if (Path.Contains('\0', StringComparison.Ordinal) || Path.StartsWith(':') || Path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("SqliteStoreOptions.Path must be a plain file path, not a URI or an in-memory name.");
        }

        if (BusyTimeout <= TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new InvalidOperationException("SqliteStoreOptions.BusyTimeout must be between 0 and 10 minutes (exclusive of 0).");
        }

        if (MaxDatabaseBytes is < 64 * 1024)
        {
            throw new InvalidOperationException("SqliteStoreOptions.MaxDatabaseBytes must be at least 65536 bytes when set.");
        }
    }
}
