using System.Data.Common;
using Npgsql;
using static Uni.Authorize.PostgreSql.SqlParameters;

namespace Uni.Authorize.PostgreSql;

// Decisions in PostgreSQL. A write is one conditional statement (insert-if-absent for version 0, update-if-version
// otherwise); the table's trigger appends the audit entry and sends the change notification in the same transaction.
internal sealed class PostgreSqlDecisionStore : IDecisionStore
{
    private const string Columns = "state, source, decided_at, expires_at, version, purpose_version, lifetime";

    private readonly PostgreSqlDatabase _database;
    private readonly string _getSql;
    private readonly string _listSql;
    private readonly string _insertSql;
    private readonly string _updateSql;
    private readonly string _insertReportedSql;
    private readonly string _updateReportedSql;
    private readonly string _eraseWebhooksSql;
    private readonly string _auditSql;
    private readonly string _pruneSql;
    private readonly string _listUserSql;
    private readonly string _userAuditSql;
    private readonly string _lockSql;
    private readonly string _eraseDecisionsSql;
    private readonly string _eraseAuditSql;

    public PostgreSqlDecisionStore(PostgreSqlDatabase database)
    {
        _database = database;
        var table = database.Table.Decisions;
        _getSql = $"SELECT {Columns} FROM {table} WHERE app_id = $1 AND user_id = $2 AND scope = $3";
        _listSql = $"SELECT {Columns}, scope FROM {table} WHERE app_id = $1 AND user_id = $2 ORDER BY scope";
        _insertSql = $"""
            INSERT INTO {table} (app_id, user_id, scope, state, source, decided_at, expires_at, version, purpose_version, lifetime)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9)
            ON CONFLICT (app_id, user_id, scope) DO NOTHING
            RETURNING {Columns}
            """;
        _updateSql = $"""
            UPDATE {table} SET state = $4, source = $5, decided_at = $6, expires_at = $7, version = version + 1, purpose_version = $9, lifetime = $10
            WHERE app_id = $1 AND user_id = $2 AND scope = $3 AND version = $8
            RETURNING {Columns}
            """;
        // A write the apps' webhooks hear of queues its event in the same statement, for an app with an endpoint and only
        // when the state changes (the update reads the state it replaces; its version check makes that read current).
        _insertReportedSql = $"""
            WITH written AS ({_insertSql}),
                 queued AS (INSERT INTO {database.Table.WebhookOutbox} (id, app_id, user_id, kind, scope, occurred_at, next_attempt_at)
                            SELECT $10, e.app_id, $2, $11, $3, $6, $6 FROM {database.Table.WebhookEndpoints} e, written w WHERE e.app_id = $1)
            SELECT {Columns} FROM written
            """;
        _updateReportedSql = $"""
            WITH previous AS (SELECT state AS from_state FROM {table} WHERE app_id = $1 AND user_id = $2 AND scope = $3),
                 written AS (
                    UPDATE {table} AS d SET state = $4, source = $5, decided_at = $6, expires_at = $7, version = d.version + 1,
                        purpose_version = $9, lifetime = $10
                    FROM previous
                    WHERE d.app_id = $1 AND d.user_id = $2 AND d.scope = $3 AND d.version = $8
                    RETURNING d.state, d.source, d.decided_at, d.expires_at, d.version, d.purpose_version, d.lifetime, previous.from_state),
                 queued AS (INSERT INTO {database.Table.WebhookOutbox} (id, app_id, user_id, kind, scope, occurred_at, next_attempt_at)
                            SELECT $11, e.app_id, $2, $12, $3, $6, $6 FROM {database.Table.WebhookEndpoints} e, written w
                            WHERE e.app_id = $1 AND w.from_state <> w.state)
            SELECT {Columns} FROM written
            """;
        _eraseWebhooksSql = $"""
            INSERT INTO {database.Table.WebhookOutbox} (id, app_id, user_id, kind, occurred_at, next_attempt_at)
            SELECT 'evt_' || replace(gen_random_uuid()::text, '-', ''), e.app_id, $1, {(int)WebhookEventKind.UserErased}, $2, $2
            FROM {database.Table.WebhookEndpoints} e
            WHERE e.app_id IN (SELECT app_id FROM {table} WHERE user_id = $1 UNION SELECT app_id FROM {database.Table.Audit} WHERE user_id = $1)
            """;
        _auditSql = $"SELECT scope, from_state, to_state, source, at, purpose_version, lifetime FROM {database.Table.Audit} WHERE app_id = $1 AND user_id = $2 ORDER BY id";
        _listUserSql = $"SELECT {Columns}, scope, app_id FROM {table} WHERE user_id = $1";
        _userAuditSql = $"SELECT scope, from_state, to_state, source, at, purpose_version, lifetime, app_id FROM {database.Table.Audit} WHERE user_id = $1 ORDER BY id";
        // Waits for the writes in flight to commit and holds back new ones until the erasure commits: a write lands
        // wholly before it (its row deleted, its audit entry moved) or after it (where its expected version is gone).
        _lockSql = $"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE";
        _eraseDecisionsSql = $"DELETE FROM {table} WHERE user_id = $1";
        _eraseAuditSql = $"UPDATE {database.Table.Audit} SET user_id = $2 WHERE user_id = $1";
        // One bounded batch per call; rows a writer holds are skipped (the next round takes them).
        _pruneSql = $"""
            DELETE FROM {table} WHERE (app_id, user_id, scope) IN
                (SELECT app_id, user_id, scope FROM {table} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
            """;
    }

    public async ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getSql, Text(subject.AppId), Text(subject.UserId), Text(scope));
        return await ReadOneAsync(command, subject, scope, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_listSql, Text(subject.AppId), Text(subject.UserId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var decisions = new List<Decision>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            decisions.Add(ReadDecision(reader, subject, reader.GetString(7)));
        }

        // The database orders by UTF-8 bytes; .NET's ordinal order is by UTF-16 code units.
        decisions.Sort(static (a, b) => string.CompareOrdinal(a.Scope, b.Scope));
        return decisions;
    }

    public async ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(write.Scope);
        if (write.ExpectedVersion < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(write), "ExpectedVersion is 0 (no row yet) or a stored version.");
        }

        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        var subject = write.Subject;
        var insert = write.ExpectedVersion == 0;
        // A first write of "not determined" changes no state: nothing to report.
        var kind = insert && write.State == DecisionState.NotDetermined ? null : WebhookEvents.KindOf(write);
        await using (var command = _database.Command(
            (insert, kind) switch
            {
                (true, null) => _insertSql,
                (true, _) => _insertReportedSql,
                (false, null) => _updateSql,
                (false, _) => _updateReportedSql,
            },
            Text(subject.AppId),
            Text(subject.UserId),
            Text(write.Scope),
            Small((short)write.State),
            Small((short)write.Source),
            Time(write.DecidedAt),
            Time(write.ExpiresAt)))
        {
            if (!insert)
            {
                command.Parameters.Add(Long(write.ExpectedVersion));
            }

            command.Parameters.Add(Long(write.PurposeVersion));
            command.Parameters.Add(Small((short)write.Lifetime));

            if (kind is { } reported)
            {
                command.Parameters.Add(Text(WebhookEvents.NewId()));
                command.Parameters.Add(Small((short)reported));
            }

            if (await ReadOneAsync(command, subject, write.Scope, cancellationToken).ConfigureAwait(false) is { } written)
            {
                return DecisionWriteResult.Success(written);
            }
        }

        // Lost the race or a stale version: report what is stored now (a fresh statement sees the winner's commit).
        return DecisionWriteResult.Conflict(await GetAsync(subject, write.Scope, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_auditSql, Text(subject.AppId), Text(subject.UserId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<DecisionAuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(ReadAudit(reader, subject));
        }

        return entries;
    }

    private static DecisionAuditEntry ReadAudit(DbDataReader reader, Subject subject)
    {
        var scope = reader.GetString(0);
        return new DecisionAuditEntry(
            subject,
            scope,
            State(reader.GetInt16(1), scope),
            State(reader.GetInt16(2), scope),
            Source(reader.GetInt16(3), scope),
            reader.GetFieldValue<DateTimeOffset>(4))
        {
            PurposeVersion = reader.GetInt64(5),
            Lifetime = Lifetime(reader.GetInt16(6), scope),
        };
    }

    public async ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_listUserSql, Text(userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var decisions = new List<Decision>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            decisions.Add(ReadDecision(reader, new Subject(reader.GetString(8), userId), reader.GetString(7)));
        }

        decisions.Sort(static (a, b) => string.CompareOrdinal(a.Subject.AppId, b.Subject.AppId) is var c and not 0 ? c : string.CompareOrdinal(a.Scope, b.Scope));
        return decisions;
    }

    public async ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_userAuditSql, Text(userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<DecisionAuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(ReadAudit(reader, new Subject(reader.GetString(7), userId)));
        }

        return entries;
    }

    public async ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        DecisionErasure.ThrowIfNotErasable(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        var pseudonym = DecisionErasure.NewPseudonym();
        await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockTable = new NpgsqlCommand(_lockSql, connection, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var queue = new NpgsqlCommand(_eraseWebhooksSql, connection, transaction)
        {
            Parameters = { Text(userId), Time(_database.Clock.GetUtcNow()) },
        })
        {
            await queue.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int decisions;
        await using (var erase = new NpgsqlCommand(_eraseDecisionsSql, connection, transaction) { Parameters = { Text(userId) } })
        {
            decisions = await erase.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        int entries;
        await using (var move = new NpgsqlCommand(_eraseAuditSql, connection, transaction) { Parameters = { Text(userId), Text(pseudonym) } })
        {
            entries = await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new DecisionErasure(pseudonym, decisions, entries);
    }

    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneExpiredAsync(now, int.MaxValue, cancellationToken);

    public async ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_pruneSql, Time(now), Int(batchSize));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<Decision?> ReadOneAsync(NpgsqlCommand command, Subject subject, string scope, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadDecision(reader, subject, scope) : null;
    }

    private static Decision ReadDecision(DbDataReader reader, Subject subject, string scope)
    {
        var version = reader.GetInt64(4);
        if (version <= 0)
        {
            throw Corrupt(scope, $"version {version}");
        }

        return new Decision(
            subject,
            scope,
            State(reader.GetInt16(0), scope),
            Source(reader.GetInt16(1), scope),
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            version)
        {
            PurposeVersion = reader.GetInt64(5),
            Lifetime = Lifetime(reader.GetInt16(6), scope),
        };
    }

    private static DecisionLifetime Lifetime(short value, string scope) =>
        Enum.IsDefined((DecisionLifetime)value) ? (DecisionLifetime)value : throw Corrupt(scope, $"lifetime {value}");

    private static DecisionState State(short value, string scope) =>
        Enum.IsDefined((DecisionState)value) ? (DecisionState)value : throw Corrupt(scope, $"state {value}");

    private static DecisionSource Source(short value, string scope) =>
        Enum.IsDefined((DecisionSource)value) ? (DecisionSource)value : throw Corrupt(scope, $"source {value}");

    private static InvalidDataException Corrupt(string scope, string what) =>
        new($"A stored decision for scope {scope} is corrupt ({what}); repair or delete the row.");
}
