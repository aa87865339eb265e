using Microsoft.Data.Sqlite;
using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.Host;

/// <summary>An <see cref="IIdentityStore"/> in an SQLite file: apps, users, sessions and host keys survive restarts.</summary>
internal sealed class SqliteIdentityStore : IIdentityStore
{
    private readonly string _connectionString;

    public SqliteIdentityStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS host_apps (id TEXT PRIMARY KEY, name TEXT NOT NULL, platform INTEGER NOT NULL, secret_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS host_users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS host_sessions (token_hash TEXT PRIMARY KEY, app_id TEXT NOT NULL, user_id TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS host_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL);
            """);
    }

    public ValueTask<HostApp?> GetAppAsync(string appId, CancellationToken cancellationToken = default) =>
        QuerySingle("SELECT id, name, platform, secret_hash, created_at FROM host_apps WHERE id = $a", ReadApp, ("$a", appId));

    public ValueTask<IReadOnlyList<HostApp>> ListAppsAsync(CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT id, name, platform, secret_hash, created_at FROM host_apps ORDER BY id");
        using var reader = command.ExecuteReader();
        var apps = new List<HostApp>();
        while (reader.Read())
        {
            apps.Add(ReadApp(reader));
        }

        return new(apps);
    }

    public ValueTask<bool> TryAddAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = Command(connection, "INSERT INTO host_apps VALUES ($id, $n, $p, $s, $c) ON CONFLICT (id) DO NOTHING",
            ("$id", app.Id), ("$n", app.Name), ("$p", (int)app.Platform), ("$s", app.SecretHash), ("$c", app.CreatedAt.ToUnixTimeMilliseconds()));
        return new(command.ExecuteNonQuery() == 1);
    }

    public ValueTask<HostUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default) =>
        QuerySingle("SELECT id, name, created_at FROM host_users WHERE id = $u", ReadUser, ("$u", userId));

    public ValueTask<HostUser> GetOrAddUserAsync(HostUser candidate, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using (var insert = Command(connection, "INSERT INTO host_users VALUES ($id, $n, $c) ON CONFLICT (name) DO NOTHING",
            ("$id", candidate.Id), ("$n", candidate.Name), ("$c", candidate.CreatedAt.ToUnixTimeMilliseconds())))
        {
            insert.ExecuteNonQuery();
        }

        using var select = Command(connection, "SELECT id, name, created_at FROM host_users WHERE name = $n", ("$n", candidate.Name));
        using var reader = select.ExecuteReader();
        reader.Read();
        return new(ReadUser(reader));
    }

    public ValueTask AddSessionAsync(MiniAppSession session, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = Command(connection, "INSERT INTO host_sessions VALUES ($t, $a, $u, $i, $e)",
            ("$t", session.TokenHash), ("$a", session.AppId), ("$u", session.UserId),
            ("$i", session.IssuedAt.ToUnixTimeMilliseconds()), ("$e", session.ExpiresAt.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public ValueTask<MiniAppSession?> GetSessionAsync(string tokenHash, CancellationToken cancellationToken = default) =>
        QuerySingle("SELECT token_hash, app_id, user_id, issued_at, expires_at FROM host_sessions WHERE token_hash = $t",
            static r => new MiniAppSession(r.GetString(0), r.GetString(1), r.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4))),
            ("$t", tokenHash));

    public ValueTask<bool> RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using var command = Command(connection, "DELETE FROM host_sessions WHERE token_hash = $t", ("$t", tokenHash));
        return new(command.ExecuteNonQuery() == 1);
    }

    public ValueTask<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        using (var insert = Command(connection, "INSERT INTO host_keys VALUES ($n, $v) ON CONFLICT (name) DO NOTHING", ("$n", name), ("$v", candidate)))
        {
            insert.ExecuteNonQuery();
        }

        using var select = Command(connection, "SELECT value FROM host_keys WHERE name = $n", ("$n", name));
        return new((byte[])select.ExecuteScalar()!);
    }

    private static HostApp ReadApp(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), (Platform)r.GetInt32(2), r.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)));

    private static HostUser ReadUser(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)));

    private ValueTask<T?> QuerySingle<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object Value)[] parameters)
        where T : class
    {
        using var connection = Open();
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        return new(reader.Read() ? read(reader) : null);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var timeout = Command(connection, "PRAGMA busy_timeout = 5000");
        timeout.ExecuteNonQuery();
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
