using Npgsql;
using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.Host;

/// <summary>An <see cref="IIdentityStore"/> in PostgreSQL (schema <c>uni_authorize_host</c>), shared by every instance
/// behind a load balancer.</summary>
internal sealed class PostgreSqlIdentityStore : IIdentityStore, IAsyncDisposable
{
    private const string Schema = """
        CREATE SCHEMA IF NOT EXISTS uni_authorize_host;
        CREATE TABLE IF NOT EXISTS uni_authorize_host.apps (id text PRIMARY KEY, name text NOT NULL, platform int NOT NULL, secret_hash text NOT NULL, created_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS uni_authorize_host.users (id text PRIMARY KEY, name text NOT NULL UNIQUE, created_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS uni_authorize_host.sessions (token_hash text PRIMARY KEY, app_id text NOT NULL, user_id text NOT NULL, issued_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS uni_authorize_host.keys (name text PRIMARY KEY, value bytea NOT NULL);
        """;

    private readonly NpgsqlDataSource _source;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public PostgreSqlIdentityStore(string connectionString) => _source = NpgsqlDataSource.Create(connectionString);

    public async ValueTask<HostApp?> GetAppAsync(string appId, CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("SELECT id, name, platform, secret_hash, created_at FROM uni_authorize_host.apps WHERE id = $1", cancellationToken, appId).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadApp(reader) : null;
    }

    public async ValueTask<IReadOnlyList<HostApp>> ListAppsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("SELECT id, name, platform, secret_hash, created_at FROM uni_authorize_host.apps ORDER BY id COLLATE \"C\"", cancellationToken).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var apps = new List<HostApp>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            apps.Add(ReadApp(reader));
        }

        return apps;
    }

    public async ValueTask<bool> TryAddAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("INSERT INTO uni_authorize_host.apps VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING", cancellationToken,
            app.Id, app.Name, (int)app.Platform, app.SecretHash, app.CreatedAt).ConfigureAwait(false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<HostUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("SELECT id, name, created_at FROM uni_authorize_host.users WHERE id = $1", cancellationToken, userId).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader) : null;
    }

    public async ValueTask<HostUser> GetOrAddUserAsync(HostUser candidate, CancellationToken cancellationToken = default)
    {
        // The no-op update makes RETURNING yield the existing row on conflict, in one statement.
        await using var command = await CommandAsync("""
            INSERT INTO uni_authorize_host.users VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
            RETURNING id, name, created_at
            """, cancellationToken, candidate.Id, candidate.Name, candidate.CreatedAt).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return ReadUser(reader);
    }

    public async ValueTask AddSessionAsync(MiniAppSession session, CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("INSERT INTO uni_authorize_host.sessions VALUES ($1, $2, $3, $4, $5)", cancellationToken,
            session.TokenHash, session.AppId, session.UserId, session.IssuedAt, session.ExpiresAt).ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<MiniAppSession?> GetSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("SELECT token_hash, app_id, user_id, issued_at, expires_at FROM uni_authorize_host.sessions WHERE token_hash = $1",
            cancellationToken, tokenHash).ConfigureAwait(false);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new MiniAppSession(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4))
            : null;
    }

    public async ValueTask<bool> RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("DELETE FROM uni_authorize_host.sessions WHERE token_hash = $1", cancellationToken, tokenHash).ConfigureAwait(false);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default)
    {
        await using var command = await CommandAsync("""
            INSERT INTO uni_authorize_host.keys VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
            RETURNING value
            """, cancellationToken, name, candidate).ConfigureAwait(false);
        return (byte[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    private static HostApp ReadApp(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), (Platform)r.GetInt32(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4));

    private static HostUser ReadUser(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2));

    private async ValueTask<NpgsqlCommand> CommandAsync(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        if (!_schemaReady)
        {
            await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        }

        var command = _source.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                // Several hosts may start at once: serialise the DDL on an advisory lock.
                await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7426001); " + Schema, connection))
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    lockCommand.Transaction = transaction;
                    await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }

                _schemaReady = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }
}
