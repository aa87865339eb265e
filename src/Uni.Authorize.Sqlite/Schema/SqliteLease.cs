using Microsoft.Data.Sqlite;

namespace Uni.Authorize.Sqlite;

/// <summary>The statements of the stores. Parameters are positional: $p0, $p1, ...</summary>
internal enum Sql
{
    GetDecision,
    ListDecisions,
    BeginWrite,
    Commit,
    Rollback,
    InsertDecision,
    UpdateDecision,
    AppendAudit,
    ListAudit,
    PruneDecisions,
    AddCode,
    RedeemCode,
    FindCode,
    PruneCodes,
    GetApp,
    ListApps,
    AddApp,
    GetUser,
    AddUser,
    GetUserByName,
    AddSession,
    GetSession,
    RemoveSession,
    PruneSessions,
    AddKey,
    GetKey,
    ReplaceKey,
    ListUserDecisions,
    ListUserAudit,
    EraseUserDecisions,
    EraseUserAudit,
    EraseUserCodes,
    ListUserSessions,
    EraseUserSessions,
    EraseUser,
    WebhookGetEndpoint,
    WebhookSetEndpoint,
    WebhookRemoveEndpoint,
    WebhookRemoveEvents,
    WebhookListDue,
    WebhookComplete,
    WebhookRetry,
    WebhookLease,
    WebhookEnqueue,
    WebhookErasureApps,
    WebhookForgetApps,
    WebhookForgetName,
    WebhookForgetDrop,
    UpdateApp,
    RemoveAppSessions,
    RemoveAppCodes,
    FindUsers,
    GetProfile,
    SetProfile,
    GetSessionKey,
    SetSessionKey,
    ReplaceSessionKey,
    EraseUserProfile,
    EraseUserSessionKeys,
    GetManifest,
    ListManifestPurposes,
    PutManifest,
    ClearManifestPurposes,
    AddManifestPurpose,
    AccessAppend,
    AccessSummarize,
    AccessAggregate,
    AccessListUser,
    AccessPrune,
    AccessEraseUser,
    SetAccessToken,
    FindAccessToken,
    EraseUserAccessTokens,
}

/// <summary>One open connection and its prepared statements, used by one call at a time.</summary>
internal sealed class SqliteLease : IDisposable
{
    private static readonly string[] Statements = BuildStatements();

    private readonly SqliteCommand?[] _commands = new SqliteCommand?[Statements.Length];

    public SqliteLease(SqliteDatabase database, SqliteConnection connection, int generation)
    {
        Database = database;
        Connection = connection;
        Generation = generation;
    }

    /// <summary>The pool generation this connection was opened in.</summary>
    public int Generation { get; }

    public SqliteDatabase Database { get; }

    public SqliteConnection Connection { get; }

    /// <summary>The prepared statement <paramref name="sql"/> with its parameters bound to <paramref name="values"/>.</summary>
    public SqliteCommand Command(Sql sql, params ReadOnlySpan<object?> values)
    {
        var command = _commands[(int)sql] ??= Prepare(Statements[(int)sql]);
        var parameters = command.Parameters;
        for (var i = 0; i < values.Length; i++)
        {
            parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return command;
    }

    public void Execute(Sql sql) => Command(sql).ExecuteNonQuery();

    public void RollbackQuietly()
    {
        try
        {
            if (Connection.State == System.Data.ConnectionState.Open)
            {
                using var rollback = Connection.CreateCommand();
                rollback.CommandText = "ROLLBACK";
                rollback.ExecuteNonQuery();
            }
        }
        catch (SqliteException)
        {
            // No transaction was open, or the connection is broken: it is dropped either way.
        }
    }

    public void Dispose()
    {
        foreach (var command in _commands)
        {
            command?.Dispose();
        }

        Connection.Dispose();
    }

    private SqliteCommand Prepare(string text)
    {
        var command = Connection.CreateCommand();
        command.CommandText = text;
        command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(Database.BusyTimeout.TotalSeconds));
        for (var i = 0; text.Contains($"$p{i}", StringComparison.Ordinal); i++)
        {
            command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }

        command.Prepare();
        return command;
    }

    private static string[] BuildStatements()
    {
        var statements = new string[Enum.GetValues<Sql>().Length];
        statements[(int)Sql.GetDecision] =
            "SELECT state, source, decided_at, expires_at, version, purpose_version, lifetime FROM decisions WHERE app_id = $p0 AND user_id = $p1 AND scope = $p2";
        statements[(int)Sql.ListDecisions] =
            "SELECT scope, state, source, decided_at, expires_at, version, purpose_version, lifetime FROM decisions WHERE app_id = $p0 AND user_id = $p1 ORDER BY scope";
        statements[(int)Sql.BeginWrite] = "BEGIN IMMEDIATE";
        statements[(int)Sql.Commit] = "COMMIT";
        statements[(int)Sql.Rollback] = "ROLLBACK";
        statements[(int)Sql.InsertDecision] =
            "INSERT INTO decisions (app_id, user_id, scope, state, source, decided_at, expires_at, version, purpose_version, lifetime) " +
            "VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9)";
        statements[(int)Sql.UpdateDecision] =
            "UPDATE decisions SET state = $p3, source = $p4, decided_at = $p5, expires_at = $p6, version = $p7, purpose_version = $p8, lifetime = $p9 WHERE app_id = $p0 AND user_id = $p1 AND scope = $p2";
        statements[(int)Sql.AppendAudit] =
            "INSERT INTO decision_audit (app_id, user_id, scope, from_state, to_state, source, at, purpose_version, lifetime) " +
            "VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8)";
        statements[(int)Sql.ListAudit] =
            "SELECT scope, from_state, to_state, source, at, purpose_version, lifetime FROM decision_audit WHERE app_id = $p0 AND user_id = $p1 ORDER BY id";
        // Pruning deletes one bounded batch per call: each is a short write transaction, so lookups are not held up.
        statements[(int)Sql.PruneDecisions] =
            "DELETE FROM decisions WHERE (app_id, user_id, scope) IN (SELECT app_id, user_id, scope FROM decisions WHERE expires_at <= $p0 LIMIT $p1)";
        statements[(int)Sql.AddCode] =
            "INSERT INTO auth_codes (code_hash, app_id, user_id, scopes, issued_at, expires_at) VALUES ($p0, $p1, $p2, $p3, $p4, $p5)";
        statements[(int)Sql.RedeemCode] =
            "UPDATE auth_codes SET redeemed_at = $p1 WHERE code_hash = $p0 AND app_id = $p2 AND redeemed_at IS NULL RETURNING app_id, user_id, scopes, issued_at, expires_at";
        statements[(int)Sql.FindCode] =
            "SELECT app_id, user_id, scopes, issued_at, expires_at FROM auth_codes WHERE code_hash = $p0";
        statements[(int)Sql.PruneCodes] =
            "DELETE FROM auth_codes WHERE code_hash IN (SELECT code_hash FROM auth_codes WHERE expires_at <= $p0 OR redeemed_at IS NOT NULL LIMIT $p1)";
        const string appColumns = "id, name, platform, secret_hash, created_at, disabled_at, privacy_name, privacy_url, icon_letter, alipay_public_key";
        statements[(int)Sql.GetApp] = $"SELECT {appColumns} FROM identity_apps WHERE id = $p0";
        statements[(int)Sql.ListApps] = $"SELECT {appColumns} FROM identity_apps";
        statements[(int)Sql.AddApp] =
            $"INSERT INTO identity_apps ({appColumns}) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9) ON CONFLICT (id) DO NOTHING";
        statements[(int)Sql.UpdateApp] =
            "UPDATE identity_apps SET name = $p1, secret_hash = $p2, disabled_at = $p3, privacy_name = $p4, privacy_url = $p5, icon_letter = $p6, alipay_public_key = $p7 WHERE id = $p0";
        statements[(int)Sql.RemoveAppSessions] =
            "DELETE FROM identity_sessions WHERE app_id = $p0 RETURNING token_hash, app_id, user_id, issued_at, expires_at";
        statements[(int)Sql.RemoveAppCodes] = "DELETE FROM auth_codes WHERE app_id = $p0";
        statements[(int)Sql.FindUsers] =
            "SELECT id, name, created_at FROM identity_users WHERE id = $p0 OR substr(name, 1, length($p0)) = $p0 ORDER BY id = $p0 DESC, name LIMIT $p1";
        statements[(int)Sql.GetUser] = "SELECT id, name, created_at FROM identity_users WHERE id = $p0";
        statements[(int)Sql.AddUser] = "INSERT INTO identity_users (id, name, created_at) VALUES ($p0, $p1, $p2) ON CONFLICT (name) DO NOTHING";
        statements[(int)Sql.GetUserByName] = "SELECT id, name, created_at FROM identity_users WHERE name = $p0";
        statements[(int)Sql.AddSession] =
            "INSERT INTO identity_sessions (token_hash, app_id, user_id, issued_at, expires_at) VALUES ($p0, $p1, $p2, $p3, $p4)";
        statements[(int)Sql.GetSession] = "SELECT token_hash, app_id, user_id, issued_at, expires_at FROM identity_sessions WHERE token_hash = $p0";
        statements[(int)Sql.RemoveSession] = "DELETE FROM identity_sessions WHERE token_hash = $p0 RETURNING app_id, user_id";
        statements[(int)Sql.PruneSessions] =
            "DELETE FROM identity_sessions WHERE token_hash IN (SELECT token_hash FROM identity_sessions WHERE expires_at <= $p0 LIMIT $p1)";
        statements[(int)Sql.AddKey] = "INSERT INTO identity_keys (name, value) VALUES ($p0, $p1) ON CONFLICT (name) DO NOTHING";
        statements[(int)Sql.GetKey] = "SELECT value FROM identity_keys WHERE name = $p0";
        statements[(int)Sql.ReplaceKey] = "UPDATE identity_keys SET value = $p2 WHERE name = $p0 AND value = $p1";
        statements[(int)Sql.ListUserDecisions] =
            "SELECT app_id, scope, state, source, decided_at, expires_at, version, purpose_version, lifetime FROM decisions WHERE user_id = $p0";
        statements[(int)Sql.ListUserAudit] =
            "SELECT app_id, scope, from_state, to_state, source, at, purpose_version, lifetime FROM decision_audit WHERE user_id = $p0 ORDER BY id";
        statements[(int)Sql.EraseUserDecisions] = "DELETE FROM decisions WHERE user_id = $p0";
        statements[(int)Sql.EraseUserAudit] = "UPDATE decision_audit SET user_id = $p1 WHERE user_id = $p0";
        statements[(int)Sql.EraseUserCodes] = "DELETE FROM auth_codes WHERE user_id = $p0";
        statements[(int)Sql.ListUserSessions] =
            "SELECT token_hash, app_id, user_id, issued_at, expires_at FROM identity_sessions WHERE user_id = $p0 ORDER BY issued_at, token_hash";
        statements[(int)Sql.EraseUserSessions] =
            "DELETE FROM identity_sessions WHERE user_id = $p0 RETURNING token_hash, app_id, user_id, issued_at, expires_at";
        statements[(int)Sql.EraseUser] = "DELETE FROM identity_users WHERE id = $p0";
        statements[(int)Sql.WebhookGetEndpoint] = "SELECT url, secret, updated_at FROM webhook_endpoints WHERE app_id = $p0";
        statements[(int)Sql.WebhookSetEndpoint] =
            "INSERT INTO webhook_endpoints (app_id, url, secret, updated_at) VALUES ($p0, $p1, $p2, $p3) " +
            "ON CONFLICT (app_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at = excluded.updated_at";
        statements[(int)Sql.WebhookRemoveEndpoint] = "DELETE FROM webhook_endpoints WHERE app_id = $p0";
        statements[(int)Sql.WebhookRemoveEvents] = "DELETE FROM webhook_outbox WHERE app_id = $p0";
        statements[(int)Sql.WebhookListDue] =
            "SELECT id, app_id, user_id, kind, scope, occurred_at, attempts, next_attempt_at, open_id FROM webhook_outbox " +
            "WHERE next_attempt_at <= $p0 ORDER BY occurred_at, seq LIMIT $p1";
        statements[(int)Sql.WebhookComplete] = "DELETE FROM webhook_outbox WHERE id = $p0";
        statements[(int)Sql.WebhookRetry] = "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = $p1 WHERE id = $p0";
        // The lease row changes hands only when it has ended or already names the caller: one holder at a time.
        statements[(int)Sql.WebhookLease] =
            "INSERT INTO webhook_lease (name, holder, until) VALUES ('delivery', $p0, $p2) " +
            "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until " +
            "WHERE webhook_lease.holder = excluded.holder OR webhook_lease.until <= $p1";
        // Only apps with an endpoint get an event: the outbox holds nothing nobody will be told.
        statements[(int)Sql.WebhookEnqueue] =
            "INSERT INTO webhook_outbox (id, app_id, user_id, kind, scope, occurred_at, next_attempt_at) " +
            "SELECT $p0, app_id, $p2, $p3, $p4, $p5, $p5 FROM webhook_endpoints WHERE app_id = $p1";
        statements[(int)Sql.WebhookForgetApps] = $"SELECT DISTINCT app_id FROM webhook_outbox WHERE user_id = $p0 AND kind = {(int)WebhookEventKind.UserErased}";
        statements[(int)Sql.WebhookForgetName] =
            $"UPDATE webhook_outbox SET user_id = '', open_id = $p2 WHERE user_id = $p0 AND app_id = $p1 AND kind = {(int)WebhookEventKind.UserErased}";
        statements[(int)Sql.WebhookForgetDrop] = "DELETE FROM webhook_outbox WHERE user_id = $p0";
        statements[(int)Sql.WebhookErasureApps] =
            "SELECT app_id FROM webhook_endpoints WHERE app_id IN " +
            "(SELECT app_id FROM decisions WHERE user_id = $p0 UNION SELECT app_id FROM decision_audit WHERE user_id = $p0)";
        statements[(int)Sql.GetProfile] = "SELECT nickname, avatar_url FROM identity_profiles WHERE user_id = $p0";
        statements[(int)Sql.SetProfile] =
            "INSERT INTO identity_profiles (user_id, nickname, avatar_url) SELECT id, $p1, $p2 FROM identity_users WHERE id = $p0 " +
            "ON CONFLICT (user_id) DO UPDATE SET nickname = excluded.nickname, avatar_url = excluded.avatar_url";
        statements[(int)Sql.GetSessionKey] = "SELECT session_key FROM identity_session_keys WHERE user_id = $p1 AND app_id = $p0";
        statements[(int)Sql.SetSessionKey] =
            "INSERT INTO identity_session_keys (user_id, app_id, session_key) SELECT id, $p0, $p2 FROM identity_users WHERE id = $p1 " +
            "ON CONFLICT (user_id, app_id) DO UPDATE SET session_key = excluded.session_key";
        statements[(int)Sql.EraseUserProfile] = "DELETE FROM identity_profiles WHERE user_id = $p0";
        statements[(int)Sql.ReplaceSessionKey] =
            "UPDATE identity_session_keys SET session_key = $p3 WHERE user_id = $p1 AND app_id = $p0 AND session_key = $p2";
        statements[(int)Sql.EraseUserSessionKeys] = "DELETE FROM identity_session_keys WHERE user_id = $p0";
        statements[(int)Sql.GetManifest] = "SELECT version, private_infos, updated_at FROM app_manifests WHERE app_id = $p0";
        statements[(int)Sql.ListManifestPurposes] = "SELECT scope, description, version FROM app_manifest_purposes WHERE app_id = $p0";
        statements[(int)Sql.PutManifest] =
            "INSERT INTO app_manifests (app_id, version, private_infos, updated_at) VALUES ($p0, $p1, $p2, $p3) " +
            "ON CONFLICT (app_id) DO UPDATE SET version = excluded.version, private_infos = excluded.private_infos, updated_at = excluded.updated_at";
        statements[(int)Sql.ClearManifestPurposes] = "DELETE FROM app_manifest_purposes WHERE app_id = $p0";
        statements[(int)Sql.AddManifestPurpose] =
            "INSERT INTO app_manifest_purposes (app_id, scope, description, version) VALUES ($p0, $p1, $p2, $p3)";
        statements[(int)Sql.AccessAppend] = "INSERT INTO access_records (app_id, user_id, scope, api, at) VALUES ($p0, $p1, $p2, $p3, $p4)";
        statements[(int)Sql.AccessSummarize] =
            "SELECT app_id, scope, api, sum(at >= $p2), count(*), max(at) FROM access_records " +
            "WHERE user_id = $p0 AND at >= $p3 AND ($p1 IS NULL OR app_id = $p1) GROUP BY app_id, scope, api ORDER BY app_id, scope, api";
        statements[(int)Sql.AccessAggregate] =
            "SELECT app_id, scope, api, count(*), count(DISTINCT user_id), max(at) FROM access_records " +
            "WHERE at >= $p1 AND ($p0 IS NULL OR app_id = $p0) GROUP BY app_id, scope, api ORDER BY app_id, scope, api";
        statements[(int)Sql.AccessListUser] = "SELECT app_id, scope, api, at FROM access_records WHERE user_id = $p0 ORDER BY at, id";
        statements[(int)Sql.AccessPrune] =
            "DELETE FROM access_records WHERE id IN (SELECT id FROM access_records WHERE at < $p0 LIMIT $p1)";
        statements[(int)Sql.AccessEraseUser] = "DELETE FROM access_records WHERE user_id = $p0";

        // OR REPLACE also drops the app's previous token for the user (the UNIQUE pair).
        statements[(int)Sql.SetAccessToken] =
            "INSERT OR REPLACE INTO identity_access_tokens (token_hash, user_id, app_id, expires_at) " +
            "SELECT $p0, id, $p1, $p3 FROM identity_users WHERE id = $p2";
        statements[(int)Sql.FindAccessToken] = "SELECT app_id, user_id, expires_at FROM identity_access_tokens WHERE token_hash = $p0";
        statements[(int)Sql.EraseUserAccessTokens] = "DELETE FROM identity_access_tokens WHERE user_id = $p0";
        return statements;
    }
}
