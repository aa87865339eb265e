using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize.Sqlite;

/// <summary>An <see cref="IIdentityStore"/> in the SQLite file of the decision store: apps, users, mini-app sessions and
/// host keys survive restarts. <c>AddSqliteStore</c> registers one sharing the decision store's connections; build one
/// by hand with <see cref="SqliteIdentityStore(SqliteStoreOptions, ILoggerFactory?)"/>.</summary>
public sealed class SqliteIdentityStore : IIdentityStore, IDisposable
{
    private const int UniqueConstraint = 2067;

    private readonly SqliteDatabase _database;
    private readonly bool _ownsDatabase;

    /// <summary>Opens (creating and migrating when needed) the database file named by <paramref name="options"/>.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names the setting.</exception>
    public SqliteIdentityStore(SqliteStoreOptions options, ILoggerFactory? loggerFactory = null)
        : this(new SqliteDatabase(options, loggerFactory), ownsDatabase: true)
    {
    }

    internal SqliteIdentityStore(SqliteDatabase database, bool ownsDatabase = false)
    {
        _database = database;
        _ownsDatabase = ownsDatabase;
    }

    /// <inheritdoc />
    public ValueTask<HostApp?> GetAppAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return new(_database.Run(appId, static (lease, appId) =>
        {
            using var reader = lease.Command(Sql.GetApp, appId).ExecuteReader();
            return reader.Read() ? ReadApp(reader) : null;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HostApp>> ListAppsAsync(CancellationToken cancellationToken = default) =>
        new(_database.Run(0, static (lease, _) =>
        {
            var apps = new List<HostApp>();
            using var reader = lease.Command(Sql.ListApps).ExecuteReader();
            while (reader.Read())
            {
                apps.Add(ReadApp(reader));
            }

            // SQLite orders text by UTF-8 bytes; .NET's ordinal order is by UTF-16 code units.
            apps.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
            return (IReadOnlyList<HostApp>)apps;
        }, cancellationToken));

    /// <inheritdoc />
    public ValueTask<bool> TryAddAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new(_database.Run(app, static (lease, app) =>
            lease.Command(Sql.AddApp, app.Id, app.Name, (int)app.Platform, app.SecretHash, app.CreatedAt.UtcTicks, app.DisabledAt?.UtcTicks,
                app.PrivacyContractName, app.PrivacyContractUrl, app.IconLetter, app.AlipayPublicKey).ExecuteNonQuery() == 1,
            cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<bool> UpdateAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new(_database.Run(app, static (lease, app) =>
            lease.Command(Sql.UpdateApp, app.Id, app.Name, app.SecretHash, app.DisabledAt?.UtcTicks, app.PrivacyContractName, app.PrivacyContractUrl,
                app.IconLetter, app.AlipayPublicKey)
                .ExecuteNonQuery() == 1,
            cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MiniAppSession>> RemoveAppSessionsAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return new(_database.Run(appId, static (lease, appId) =>
        {
            using var reader = lease.Command(Sql.RemoveAppSessions, appId).ExecuteReader();
            return (IReadOnlyList<MiniAppSession>)ReadSessions(reader);
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HostUser>> FindUsersAsync(string text, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return new(_database.Run((text, limit), static (lease, call) =>
        {
            var users = new List<HostUser>();
            using var reader = lease.Command(Sql.FindUsers, call.text, call.limit).ExecuteReader();
            while (reader.Read())
            {
                users.Add(ReadUser(reader));
            }

            return (IReadOnlyList<HostUser>)users;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<HostUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(_database.Run(userId, static (lease, userId) =>
        {
            using var reader = lease.Command(Sql.GetUser, userId).ExecuteReader();
            return reader.Read() ? ReadUser(reader) : null;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<HostUser> GetOrAddUserAsync(HostUser candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        return new(_database.Run(candidate, static (lease, candidate) =>
        {
            lease.Command(Sql.AddUser, candidate.Id, candidate.Name, candidate.CreatedAt.UtcTicks).ExecuteNonQuery();
            using var reader = lease.Command(Sql.GetUserByName, candidate.Name).ExecuteReader();
            return reader.Read() ? ReadUser(reader) : throw new InvalidDataException("A user row vanished right after it was stored.");
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask AddSessionAsync(MiniAppSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        _database.Run(session, static (lease, session) =>
        {
            try
            {
                return lease.Command(Sql.AddSession, session.TokenHash, session.AppId, session.UserId,
                    session.IssuedAt.UtcTicks, session.ExpiresAt.UtcTicks).ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == UniqueConstraint)
            {
                throw new InvalidOperationException("A session with this token hash is already stored.", ex);
            }
        }, cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<MiniAppSession?> GetSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return new(_database.Run(tokenHash, static (lease, tokenHash) =>
        {
            using var reader = lease.Command(Sql.GetSession, tokenHash).ExecuteReader();
            return reader.Read()
                ? new MiniAppSession(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                    SqliteDecisionStore.TimeAt(reader, 3), SqliteDecisionStore.TimeAt(reader, 4))
                : null;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return new(_database.Run(tokenHash, static (lease, tokenHash) =>
        {
            lease.Execute(Sql.BeginWrite);
            (string AppId, string UserId)? removed = null;
            using (var reader = lease.Command(Sql.RemoveSession, tokenHash).ExecuteReader())
            {
                if (reader.Read())
                {
                    removed = (reader.GetString(0), reader.GetString(1));
                }
            }

            if (removed is not { } session)
            {
                lease.Execute(Sql.Rollback);
                return false;
            }

            SqliteWebhookStore.Enqueue(lease, session.AppId, session.UserId, WebhookEventKind.SessionRevoked, scope: null, lease.Database.Clock.GetUtcNow());
            lease.Execute(Sql.Commit);
            return true;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MiniAppSession>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(_database.Run(userId, static (lease, userId) =>
        {
            using var reader = lease.Command(Sql.ListUserSessions, userId).ExecuteReader();
            return ReadSessions(reader);
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MiniAppSession>> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(_database.Run(userId, static (lease, userId) =>
        {
            lease.Execute(Sql.BeginWrite);
            IReadOnlyList<MiniAppSession> sessions;
            using (var reader = lease.Command(Sql.EraseUserSessions, userId).ExecuteReader())
            {
                sessions = ReadSessions(reader);
            }

            lease.Command(Sql.EraseUser, userId).ExecuteNonQuery();
            lease.Command(Sql.EraseUserProfile, userId).ExecuteNonQuery();
            lease.Command(Sql.EraseUserSessionKeys, userId).ExecuteNonQuery();
            lease.Command(Sql.EraseUserAccessTokens, userId).ExecuteNonQuery();
            lease.Execute(Sql.Commit);
            return sessions;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<HostProfile?> GetProfileAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(_database.Run(userId, static (lease, userId) =>
        {
            using var reader = lease.Command(Sql.GetProfile, userId).ExecuteReader();
            return reader.Read() ? new HostProfile(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<bool> SetProfileAsync(string userId, HostProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(profile);
        return new(_database.Run((userId, profile), static (lease, call) =>
            lease.Command(Sql.SetProfile, call.userId, call.profile.NickName, call.profile.AvatarUrl).ExecuteNonQuery() == 1, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<string?> GetSessionKeyAsync(string appId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        return new(_database.Run((appId, userId), static (lease, call) =>
            lease.Command(Sql.GetSessionKey, call.appId, call.userId).ExecuteScalar() as string, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask SetSessionKeyAsync(string appId, string userId, string sessionKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(sessionKey);
        _database.Run((appId, userId, sessionKey), static (lease, call) =>
            lease.Command(Sql.SetSessionKey, call.appId, call.userId, call.sessionKey).ExecuteNonQuery(), cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> ReplaceSessionKeyAsync(string appId, string userId, string expected, string replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        return new(_database.Run((appId, userId, expected, replacement), static (lease, call) =>
            lease.Command(Sql.ReplaceSessionKey, call.appId, call.userId, call.expected, call.replacement).ExecuteNonQuery() == 1, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask SetAccessTokenAsync(string tokenHash, AccessTokenGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        ArgumentNullException.ThrowIfNull(grant);
        _database.Run((tokenHash, grant), static (lease, call) =>
            lease.Command(Sql.SetAccessToken, call.tokenHash, call.grant.AppId, call.grant.UserId, call.grant.ExpiresAt.UtcTicks).ExecuteNonQuery(),
            cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<AccessTokenGrant?> FindAccessTokenAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        return new(_database.Run(tokenHash, static (lease, tokenHash) =>
        {
            using var reader = lease.Command(Sql.FindAccessToken, tokenHash).ExecuteReader();
            return reader.Read()
                ? new AccessTokenGrant(reader.GetString(0), reader.GetString(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero))
                : null;
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<int> PruneExpiredSessionsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new(_database.Run((now, batchSize), static (lease, call) =>
            lease.Command(Sql.PruneSessions, call.now.UtcTicks, call.batchSize).ExecuteNonQuery(), cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidate);
        return new(_database.Run((name, candidate), static (lease, call) =>
        {
            lease.Command(Sql.AddKey, call.name, call.candidate).ExecuteNonQuery();
            return lease.Command(Sql.GetKey, call.name).ExecuteScalar() as byte[]
                ?? throw new InvalidDataException("A stored host key is corrupt: its value is not a blob. Restore the database from a backup.");
        }, cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<bool> ReplaceKeyAsync(string name, byte[] expected, byte[] replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        return new(_database.Run((name, expected, replacement), static (lease, call) =>
            lease.Command(Sql.ReplaceKey, call.name, call.expected, call.replacement).ExecuteNonQuery() == 1, cancellationToken));
    }

    /// <summary>Closes the database when this store opened it; a store sharing a registered database leaves it open.</summary>
    public void Dispose()
    {
        if (_ownsDatabase)
        {
            _database.Dispose();
        }
    }

    private static HostApp ReadApp(SqliteDataReader reader)
    {
        var platform = reader.GetInt32(2);
        if (!Enum.IsDefined((Platform)platform))
        {
            throw new InvalidDataException($"A stored app row is corrupt: platform {platform} is unknown. Restore the database from a backup.");
        }

        return new HostApp(reader.GetString(0), reader.GetString(1), (Platform)platform, reader.GetString(3), SqliteDecisionStore.TimeAt(reader, 4))
        {
            DisabledAt = reader.IsDBNull(5) ? null : SqliteDecisionStore.TimeAt(reader, 5),
            PrivacyContractName = reader.IsDBNull(6) ? null : reader.GetString(6),
            PrivacyContractUrl = reader.IsDBNull(7) ? null : reader.GetString(7),
            IconLetter = reader.IsDBNull(8) ? null : reader.GetString(8),
            AlipayPublicKey = reader.IsDBNull(9) ? null : reader.GetString(9),
        };
    }

    private static List<MiniAppSession> ReadSessions(SqliteDataReader reader)
    {
        var sessions = new List<MiniAppSession>();
        while (reader.Read())
        {
            sessions.Add(new MiniAppSession(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                SqliteDecisionStore.TimeAt(reader, 3), SqliteDecisionStore.TimeAt(reader, 4)));
        }

        sessions.Sort(static (a, b) => a.IssuedAt.CompareTo(b.IssuedAt));
        return sessions;
    }

    private static HostUser ReadUser(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), SqliteDecisionStore.TimeAt(reader, 2));
}
