using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Uni.Authorize.Sqlite;

/// <summary>
/// One database file: migrates it at start-up, then lends open connections with their prepared statements.
/// A connection whose call failed is dropped, so the store recovers by itself when the file is healthy again.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    // How often a lease checks that the file still exists: an open connection would keep reading a deleted file.
    private static readonly TimeSpan FileCheckInterval = TimeSpan.FromMilliseconds(100);
    private const long MemoryMapBytes = 1L << 30;

    private readonly ConcurrentQueue<SqliteLease> _idle = new();
    private string _connectionString;
    private readonly int _maxIdle = Math.Max(4, Environment.ProcessorCount * 2);
    // Wall-clock I/O cadence, not domain time: a test's fake clock must not switch the check off.
    private readonly TimeProvider _time = TimeProvider.System;
    private long _fileCheckedAt;

    // Bumped when the idle connections are dropped: a connection lent out before then is closed when it comes back
    // (it may point at a deleted file or the old mode).
    private int _generation;
    private bool _disposed;

    public SqliteDatabase(SqliteStoreOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SqliteStoreOptionsValidator.Code.ThrowIfInvalid(options);
        Path = System.IO.Path.GetFullPath(options.Path);
        BusyTimeout = options.BusyTimeout;
        MaxDatabaseBytes = options.MaxDatabaseBytes;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Uni.Authorize.Sqlite");
        _connectionString = ConnectionString(SqliteOpenMode.ReadWrite);
        Migrate();
        _fileCheckedAt = _time.GetTimestamp();
    }

    public string Path { get; }

    public TimeSpan BusyTimeout { get; }

    public long? MaxDatabaseBytes { get; }

    public ILogger Logger { get; }

    /// <summary>The domain clock: stamps the webhook events of changes that carry no time of their own.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Opens new connections read-only (as on a read-only volume) and drops the open ones; for fault tests,
    /// since file permissions do not stop a root process.</summary>
    internal void SimulateReadOnlyVolume(bool readOnly)
    {
        _connectionString = ConnectionString(readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite);
        DropIdle();
    }

    /// <summary>Runs <paramref name="work"/> on a lent connection; a failure drops the connection and rethrows.</summary>
    public T Run<T, TState>(TState state, Func<SqliteLease, TState, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var lease = Rent();
        T result;
        try
        {
            result = work(lease, state);
        }
        catch (Exception ex)
        {
            lease.RollbackQuietly();
            Log.ConnectionDropped(Logger, ex);
            lease.Dispose();
            throw;
        }

        Return(lease);
        return result;
    }

    public void Dispose()
    {
        _disposed = true;
        DropIdle();
    }

    internal SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            // Memory-mapped reads share the operating system's page cache between connections, so a lookup among
            // millions of rows costs about what it costs among thousands.
            pragma.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = FULL; PRAGMA mmap_size = {MemoryMapBytes};";
            pragma.ExecuteNonQuery();
            if (MaxDatabaseBytes is { } maxBytes)
            {
                pragma.CommandText = "PRAGMA page_size";
                var pageSize = Convert.ToInt64(pragma.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                pragma.CommandText = $"PRAGMA max_page_count = {Math.Max(1, maxBytes / pageSize)}";
                pragma.ExecuteNonQuery();
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private SqliteLease Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EnsureFileExists();
        var generation = Volatile.Read(ref _generation);
        while (_idle.TryDequeue(out var lease))
        {
            if (lease.Generation == generation)
            {
                return lease;
            }

            lease.Dispose();
        }

        return new SqliteLease(this, OpenConnection(), generation);
    }

    private void Return(SqliteLease lease)
    {
        if (_disposed || lease.Generation != Volatile.Read(ref _generation) || _idle.Count >= _maxIdle)
        {
            lease.Dispose();
            return;
        }

        _idle.Enqueue(lease);
    }

    private void EnsureFileExists()
    {
        var checkedAt = Volatile.Read(ref _fileCheckedAt);
        if (_time.GetElapsedTime(checkedAt) < FileCheckInterval)
        {
            return;
        }

        if (!File.Exists(Path))
        {
            Log.FileMissing(Logger);
            DropIdle();
            throw new FileNotFoundException("The SQLite decision database is missing; nothing is answered until it is back.", Path);
        }

        Volatile.Write(ref _fileCheckedAt, _time.GetTimestamp());
    }

    /// <summary>Closes the idle connections (new ones are opened on demand).</summary>
    internal void DropIdle()
    {
        Interlocked.Increment(ref _generation);
        while (_idle.TryDequeue(out var lease))
        {
            lease.Dispose();
        }
    }

    private string ConnectionString(SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = Path,
        Mode = mode,
        Pooling = false,
        DefaultTimeout = Math.Max(1, (int)Math.Ceiling(BusyTimeout.TotalSeconds)),
    }.ToString();

    // Safe when several processes start at once: the journal switch and every step run under SQLite's locks,
    // and the version is re-read inside the write transaction.
    private void Migrate()
    {
        // Owner-only before SQLite opens it, so the -wal and -shm it creates are owner-only too.
        OwnerOnlyFiles.CreateDatabase(Path);
        OwnerOnlyFiles.Restrict(Path, Logger);
        using var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadWriteCreate));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = (string?)command.ExecuteScalar();
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The SQLite database {Path} could not switch to WAL mode (it reports \"{mode}\").");
        }

        command.CommandText = "BEGIN IMMEDIATE";
        command.ExecuteNonQuery();
        try
        {
            command.CommandText = "PRAGMA user_version";
            var from = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (from > Migrations.Latest)
            {
                throw new InvalidOperationException(
                    $"The SQLite database {Path} has schema version {from}, newer than this library's {Migrations.Latest}: upgrade the library.");
            }

            for (var step = from; step < Migrations.Latest; step++)
            {
                command.CommandText = Migrations.Steps[step];
                command.ExecuteNonQuery();
            }

            command.CommandText = $"PRAGMA user_version = {Migrations.Latest}";
            command.ExecuteNonQuery();
            command.CommandText = "COMMIT";
            command.ExecuteNonQuery();
            if (from != Migrations.Latest)
            {
                Log.Migrated(Logger, from, Migrations.Latest);
            }
        }
        catch
        {
            command.CommandText = "ROLLBACK";
            command.ExecuteNonQuery();
            throw;
        }
    }
}
