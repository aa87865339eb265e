using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Uni.Authorize.PostgreSql.SqlParameters;

namespace Uni.Authorize.PostgreSql;

/// <summary>An <see cref="IIdentityStore"/> in the PostgreSQL schema of the decision store, shared by every host behind a
/// load balancer. <c>AddPostgreSqlStore</c> registers one sharing the decision store's connection pool; build one by hand
/// with <see cref="PostgreSqlIdentityStore(PostgreSqlStoreOptions, ILoggerFactory?)"/>.</summary>
public sealed class PostgreSqlIdentityStore : IIdentityStore, IAsyncDisposable, IDisposable
{
    private const string UniqueViolation = "23505";
    private const string AppColumns = "id, name, platform, secret_hash, created_at, disabled_at, privacy_name, privacy_url, icon_letter, alipay_public_key";
    private const string SessionColumns = "token_hash, app_id, user_id, issued_at, expires_at";

    private readonly PostgreSqlDatabase _database;
    private readonly bool _ownsDatabase;
    private readonly string _getAppSql;
    private readonly string _listAppsSql;
    private readonly string _addAppSql;
    private readonly string _getUserSql;
    private readonly string _getOrAddUserSql;
    private readonly string _addSessionSql;
    private readonly string _getSessionSql;
    private readonly string _removeSessionSql;
    private readonly string _pruneSessionsSql;
    private readonly string _getOrAddKeySql;
    private readonly string _replaceKeySql;
    private readonly string _replaceSessionKeySql;
    private readonly string _listUserSessionsSql;
    private readonly string _eraseUserSql;
    private readonly string _updateAppSql;
    private readonly string _removeAppSessionsSql;
    private readonly string _findUsersSql;
    private readonly string _getProfileSql;
    private readonly string _setProfileSql;
    private readonly string _getSessionKeySql;
    private readonly string _setSessionKeySql;
    private readonly string _setAccessTokenSql;
    private readonly string _findAccessTokenSql;

    /// <summary>A store with its own connection pool over the database and schema named by <paramref name="options"/>
    /// (created and migrated on first use).</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names the setting.</exception>
    public PostgreSqlIdentityStore(PostgreSqlStoreOptions options, ILoggerFactory? loggerFactory = null)
        : this(new PostgreSqlDatabase(options, loggerFactory), ownsDatabase: true)
    {
    }

    internal PostgreSqlIdentityStore(PostgreSqlDatabase database, bool ownsDatabase = false)
    {
        _database = database;
        _ownsDatabase = ownsDatabase;
        var table = database.Table;
        _getAppSql = $"SELECT {AppColumns} FROM {table.Apps} WHERE id = $1";
        _listAppsSql = $"SELECT {AppColumns} FROM {table.Apps} ORDER BY id";
        _addAppSql = $"INSERT INTO {table.Apps} ({AppColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING";
        _updateAppSql = $"UPDATE {table.Apps} SET name = $2, secret_hash = $3, disabled_at = $4, privacy_name = $5, privacy_url = $6, icon_letter = $7, alipay_public_key = $8 WHERE id = $1";
        _removeAppSessionsSql = $"DELETE FROM {table.Sessions} WHERE app_id = $1 RETURNING {SessionColumns}";
        _findUsersSql = $"""
            SELECT id, name, created_at FROM {table.Users} WHERE id = $1 OR starts_with(name, $1)
            ORDER BY id = $1 DESC, name COLLATE "C" LIMIT $2
            """;
        _getUserSql = $"SELECT id, name, created_at FROM {table.Users} WHERE id = $1";
        // The no-op update makes RETURNING yield the stored row on conflict, in one statement.
        _getOrAddUserSql = $"""
            INSERT INTO {table.Users} (id, name, created_at) VALUES ($1, $2, $3)
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
            RETURNING id, name, created_at
            """;
        _addSessionSql = $"INSERT INTO {table.Sessions} ({SessionColumns}) VALUES ($1, $2, $3, $4, $5)";
        _getSessionSql = $"SELECT {SessionColumns} FROM {table.Sessions} WHERE token_hash = $1";
        // One statement, so one transaction: the session goes and its event is queued (for an app with an endpoint) together.
        _removeSessionSql = $"""
            WITH removed AS (DELETE FROM {table.Sessions} WHERE token_hash = $1 RETURNING app_id, user_id),
                 queued AS (INSERT INTO {table.WebhookOutbox} (id, app_id, user_id, kind, occurred_at, next_attempt_at)
                            SELECT $2, e.app_id, r.user_id, {(int)WebhookEventKind.SessionRevoked}, $3, $3
                            FROM removed r JOIN {table.WebhookEndpoints} e ON e.app_id = r.app_id)
            SELECT count(*) FROM removed
            """;
        _pruneSessionsSql = $"""
            DELETE FROM {table.Sessions} WHERE token_hash IN
                (SELECT token_hash FROM {table.Sessions} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
            """;
        _listUserSessionsSql = $"SELECT {SessionColumns} FROM {table.Sessions} WHERE user_id = $1 ORDER BY issued_at, token_hash";
        // One statement, so one transaction: the sessions and the user go together.
        _eraseUserSql = $"""
            WITH sessions AS (DELETE FROM {table.Sessions} WHERE user_id = $1 RETURNING {SessionColumns}),
                 users AS (DELETE FROM {table.Users} WHERE id = $1)
            SELECT {SessionColumns} FROM sessions ORDER BY issued_at, token_hash
            """;
        _getProfileSql = $"SELECT nickname, avatar_url FROM {table.Profiles} WHERE user_id = $1";
        _setProfileSql = $"""
            INSERT INTO {table.Profiles} (user_id, nickname, avatar_url) SELECT id, $2, $3 FROM {table.Users} WHERE id = $1
            ON CONFLICT (user_id) DO UPDATE SET nickname = EXCLUDED.nickname, avatar_url = EXCLUDED.avatar_url
            """;
        _getSessionKeySql = $"SELECT session_key FROM {table.SessionKeys} WHERE user_id = $2 AND app_id = $1";
        _setSessionKeySql = $"""
            INSERT INTO {table.SessionKeys} (user_id, app_id, session_key) SELECT id, $1, $3 FROM {table.Users} WHERE id = $2
            ON CONFLICT (user_id, app_id) DO UPDATE SET session_key = EXCLUDED.session_key
            """;
        _replaceSessionKeySql = $"UPDATE {table.SessionKeys} SET session_key = $4 WHERE user_id = $2 AND app_id = $1 AND session_key = $3";
        _replaceKeySql = $"UPDATE {table.Keys} SET value = $3 WHERE name = $1 AND value = $2";
        // The new token takes the place of the app's previous one for the user (the unique pair).
        _setAccessTokenSql = $"""
            INSERT INTO {table.AccessTokens} (token_hash, user_id, app_id, expires_at) SELECT $1, id, $2, $4 FROM {table.Users} WHERE id = $3
            ON CONFLICT (user_id, app_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at
            """;
        _findAccessTokenSql = $"SELECT app_id, user_id, expires_at FROM {table.AccessTokens} WHERE token_hash = $1";
        _getOrAddKeySql = $"""
            INSERT INTO {table.Keys} (name, value) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
            RETURNING value
            """;
    }

    /// <inheritdoc />
    public async ValueTask<HostApp?> GetAppAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getAppSql, Text(appId));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadApp(reader) : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<HostApp>> ListAppsAsync(CancellationToken cancellationToken = default)
    {
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_listAppsSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var apps = new List<HostApp>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            apps.Add(ReadApp(reader));
        }

        // The database orders by UTF-8 bytes; .NET's ordinal order is by UTF-16 code units.
        apps.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return apps;
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryAddAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_addAppSql, Text(app.Id), Text(app.Name), Int((int)app.Platform), Text(app.SecretHash), Time(app.CreatedAt),
            Time(app.DisabledAt), NullableText(app.PrivacyContractName), NullableText(app.PrivacyContractUrl), NullableText(app.IconLetter), NullableText(app.AlipayPublicKey));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> UpdateAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_updateAppSql, Text(app.Id), Text(app.Name), Text(app.SecretHash), Time(app.DisabledAt),
            NullableText(app.PrivacyContractName), NullableText(app.PrivacyContractUrl), NullableText(app.IconLetter), NullableText(app.AlipayPublicKey));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MiniAppSession>> RemoveAppSessionsAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_removeAppSessionsSql, Text(appId));
        return await ReadSessionsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<HostUser>> FindUsersAsync(string text, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_findUsersSql, Text(text), Int(limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var users = new List<HostUser>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            users.Add(ReadUser(reader));
        }

        return users;
    }

    /// <inheritdoc />
    public async ValueTask<HostUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getUserSql, Text(userId));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUser(reader) : null;
    }

    /// <inheritdoc />
    public async ValueTask<HostUser> GetOrAddUserAsync(HostUser candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getOrAddUserSql, Text(candidate.Id), Text(candidate.Name), Time(candidate.CreatedAt));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? ReadUser(reader)
            : throw new InvalidDataException("Storing a user returned no row.");
    }

    /// <inheritdoc />
    public async ValueTask AddSessionAsync(MiniAppSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_addSessionSql,
            Text(session.TokenHash), Text(session.AppId), Text(session.UserId), Time(session.IssuedAt), Time(session.ExpiresAt));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            throw new InvalidOperationException("A session with this token hash is already stored.", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<MiniAppSession?> GetSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getSessionSql, Text(tokenHash));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new MiniAppSession(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4))
            : null;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MiniAppSession>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_listUserSessionsSql, Text(userId));
        return await ReadSessionsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MiniAppSession>> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_eraseUserSql, Text(userId));
        return await ReadSessionsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_removeSessionSql, Text(tokenHash), Text(WebhookEvents.NewId()), Time(_database.Clock.GetUtcNow()));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    /// <inheritdoc />
    public async ValueTask<HostProfile?> GetProfileAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getProfileSql, Text(userId));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new HostProfile(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    /// <inheritdoc />
    public async ValueTask<bool> SetProfileAsync(string userId, HostProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(profile);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_setProfileSql, Text(userId), Text(profile.NickName), NullableText(profile.AvatarUrl));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<string?> GetSessionKeyAsync(string appId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getSessionKeySql, Text(appId), Text(userId));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <inheritdoc />
    public async ValueTask SetSessionKeyAsync(string appId, string userId, string sessionKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(sessionKey);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_setSessionKeySql, Text(appId), Text(userId), Text(sessionKey));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReplaceSessionKeyAsync(string appId, string userId, string expected, string replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_replaceSessionKeySql, Text(appId), Text(userId), Text(expected), Text(replacement));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask SetAccessTokenAsync(string tokenHash, AccessTokenGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        ArgumentNullException.ThrowIfNull(grant);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_setAccessTokenSql, Text(tokenHash), Text(grant.AppId), Text(grant.UserId), Time(grant.ExpiresAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<AccessTokenGrant?> FindAccessTokenAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_findAccessTokenSql, Text(tokenHash));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AccessTokenGrant(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    /// <inheritdoc />
    public async ValueTask<int> PruneExpiredSessionsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_pruneSessionsSql, Time(now), Int(batchSize));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidate);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getOrAddKeySql, Text(name), new NpgsqlParameter<byte[]> { TypedValue = candidate });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[]
            ?? throw new InvalidDataException("Storing a host key returned no value.");
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReplaceKeyAsync(string name, byte[] expected, byte[] replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_replaceKeySql, Text(name),
            new NpgsqlParameter<byte[]> { TypedValue = expected }, new NpgsqlParameter<byte[]> { TypedValue = replacement });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Closes the connection pool when this store opened it; a store sharing a registered pool leaves it open.</summary>
    public ValueTask DisposeAsync() => _ownsDatabase ? _database.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>Closes the connection pool when this store opened it.</summary>
    public void Dispose()
    {
        if (_ownsDatabase)
        {
            _database.Dispose();
        }
    }

    private static HostApp ReadApp(DbDataReader reader)
    {
        var platform = reader.GetInt32(2);
        if (!Enum.IsDefined((Platform)platform))
        {
            throw new InvalidDataException($"A stored app is corrupt: platform {platform} is unknown; repair or delete the row.");
        }

        return new HostApp(reader.GetString(0), reader.GetString(1), (Platform)platform, reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4))
        {
            DisabledAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            PrivacyContractName = reader.IsDBNull(6) ? null : reader.GetString(6),
            PrivacyContractUrl = reader.IsDBNull(7) ? null : reader.GetString(7),
            IconLetter = reader.IsDBNull(8) ? null : reader.GetString(8),
            AlipayPublicKey = reader.IsDBNull(9) ? null : reader.GetString(9),
        };
    }

    private static async Task<IReadOnlyList<MiniAppSession>> ReadSessionsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var sessions = new List<MiniAppSession>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sessions.Add(new MiniAppSession(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return sessions;
    }

    private static HostUser ReadUser(DbDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
}
