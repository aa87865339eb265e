using Npgsql;
using static Uni.Authorize.PostgreSql.SqlParameters;

namespace Uni.Authorize.PostgreSql;

// Pending consents and calls in PostgreSQL. Every write announces itself with pg_notify in the same statement, so the
// announcement is delivered exactly when the change commits; the change feed's listening connection hears it on every
// instance and raises Signaled.
internal sealed class PostgreSqlConsentStore : IConsentStore, IDisposable
{
    private const string ConsentColumns = "id, app_id, user_id, platform, scopes, created_at, expires_at, answer, closed_at, waiters";
    private const string CallColumns = "id, app_id, user_id, platform, request, driver, lease_until, created_at, expires_at, outcome, finished_at";

    private readonly PostgreSqlDatabase _database;
    private readonly PostgreSqlDecisionChangeFeed _feed;
    private readonly string _channel;
    private readonly string _closeExpiredSql;
    private readonly string _insertConsentSql;
    private readonly string _joinOpenSql;
    private readonly string _releaseSql;
    private readonly string _getConsentSql;
    private readonly string _listOpenSql;
    private readonly string _countOpenSql;
    private readonly string _closeSql;
    private readonly string _addCallSql;
    private readonly string _getCallSql;
    private readonly string _finishSql;
    private readonly string _leaseSql;
    private readonly string _renewSql;
    private readonly string _pruneSql;
    private readonly string _eraseSql;

    public PostgreSqlConsentStore(PostgreSqlDatabase database, PostgreSqlDecisionChangeFeed feed)
    {
        _database = database;
        _feed = feed;
        _channel = database.Options.ConsentChannel;
        var consents = database.Table.Consents;
        var calls = database.Table.Calls;
        const string NotifyConsent = "pg_notify($1, 'c|' || id || '|' || user_id)";
        _closeExpiredSql = $"""
            WITH closed AS (UPDATE {consents} SET closed_at = $5
                WHERE app_id = $2 AND user_id = $3 AND scope_key = $4 AND closed_at IS NULL AND expires_at <= $5 RETURNING id, user_id)
            SELECT {NotifyConsent} FROM closed
            """;
        _insertConsentSql = $"""
            WITH opened AS (INSERT INTO {consents} (id, app_id, user_id, platform, scopes, scope_key, created_at, expires_at)
                VALUES ($2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING {ConsentColumns})
            SELECT {ConsentColumns}, {NotifyConsent} FROM opened
            """;
        _joinOpenSql = $"""
            UPDATE {consents} SET waiters = waiters + 1 WHERE app_id = $1 AND user_id = $2 AND scope_key = $3 AND closed_at IS NULL
            RETURNING {ConsentColumns}
            """;
        _releaseSql = $"""
            WITH released AS (UPDATE {consents}
                    SET waiters = greatest(waiters - 1, 0), closed_at = CASE WHEN waiters <= 1 THEN $3 ELSE closed_at END
                    WHERE id = $2 AND closed_at IS NULL RETURNING id, user_id, closed_at)
            SELECT {NotifyConsent} FROM released WHERE closed_at IS NOT NULL
            """;
        _getConsentSql = $"SELECT {ConsentColumns} FROM {consents} WHERE id = $1";
        _listOpenSql = $"SELECT {ConsentColumns} FROM {consents} WHERE user_id = $1 AND closed_at IS NULL AND expires_at > $2 ORDER BY created_at, id";
        _countOpenSql = $"SELECT count(*) FROM {consents} WHERE closed_at IS NULL AND expires_at > $1";
        _closeSql = $"""
            WITH closed AS (UPDATE {consents} SET answer = $3, closed_at = $4 WHERE id = $2 AND closed_at IS NULL RETURNING id, user_id)
            SELECT {NotifyConsent} FROM closed
            """;
        _addCallSql = $"INSERT INTO {calls} ({CallColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL)";
        _getCallSql = $"SELECT {CallColumns} FROM {calls} WHERE id = $1";
        _finishSql = $"""
            WITH finished AS (UPDATE {calls} SET outcome = $3, finished_at = $4 WHERE id = $2 AND outcome IS NULL RETURNING id)
            SELECT pg_notify($1, 'f|' || id || '|') FROM finished
            """;
        _leaseSql = $"UPDATE {calls} SET driver = $2, lease_until = $4 WHERE id = $1 AND outcome IS NULL AND (lease_until <= $3 OR driver = $2)";
        _renewSql = $"UPDATE {calls} SET lease_until = $3 WHERE id = ANY($2) AND driver = $1 AND outcome IS NULL";
        _pruneSql = $"""
            WITH consents AS (DELETE FROM {consents} WHERE id IN (
                    SELECT id FROM {consents} WHERE closed_at < $1 OR expires_at < $1 LIMIT $2) RETURNING 1),
                 calls AS (DELETE FROM {calls} WHERE id IN (
                    SELECT id FROM {calls} WHERE finished_at < $1 OR expires_at < $1 LIMIT $2) RETURNING 1)
            SELECT (SELECT count(*) FROM consents) + (SELECT count(*) FROM calls)
            """;
        // One statement: both deletions commit together, and each deleted row is announced when they do.
        _eraseSql = $"""
            WITH consents AS (DELETE FROM {consents} WHERE user_id = $2 RETURNING id, user_id),
                 calls AS (DELETE FROM {calls} WHERE user_id = $2 RETURNING id)
            SELECT {NotifyConsent} FROM consents
            UNION ALL
            SELECT pg_notify($1, 'f|' || id || '|') FROM calls
            """;
        _feed.ConsentSignaled += OnSignal;
    }

    public bool IsHealthy => _feed.IsHealthy;

    public event Action<ConsentSignal>? Signaled;

    public async ValueTask<ConsentRecord> OpenConsentAsync(ConsentRecord candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        var key = candidate.ScopeKey;
        await using (var close = _database.Command(_closeExpiredSql, Text(_channel), Text(candidate.Subject.AppId), Text(candidate.Subject.UserId), Text(key),
            Time(candidate.CreatedAt)))
        {
            await close.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 0; ; attempt++)
        {
            await using (var insert = _database.Command(_insertConsentSql, Text(_channel), Text(candidate.Id), Text(candidate.Subject.AppId),
                Text(candidate.Subject.UserId), Small((short)candidate.Platform), TextArray(candidate.Scopes), Text(key), Time(candidate.CreatedAt),
                Time(candidate.ExpiresAt)))
            {
                if (await ReadConsentAsync(insert, cancellationToken).ConfigureAwait(false) is { } opened)
                {
                    return opened;
                }
            }

            await using (var find = _database.Command(_joinOpenSql, Text(candidate.Subject.AppId), Text(candidate.Subject.UserId), Text(key)))
            {
                if (await ReadConsentAsync(find, cancellationToken).ConfigureAwait(false) is { } open)
                {
                    return open;
                }
            }

            if (attempt >= 8)
            {
                throw new InvalidOperationException("The open consent kept closing under concurrent writes.");
            }
        }
    }

    public async ValueTask<ConsentRecord?> GetConsentAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getConsentSql, Text(id));
        return await ReadConsentAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> CountOpenConsentsAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_countOpenSql, Time(now));
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask<IReadOnlyList<ConsentRecord>> ListOpenConsentsAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_listOpenSql, Text(userId), Time(now));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<ConsentRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Consent(reader));
        }

        return list;
    }

    public async ValueTask<bool> CloseConsentAsync(string id, string? answer, DateTimeOffset closedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        var answerParameter = answer is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : Text(answer);
        await using var command = _database.Command(_closeSql, Text(_channel), Text(id), answerParameter, Time(closedAt));
        return await CountRowsAsync(command, cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<bool> ReleaseConsentAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_releaseSql, Text(_channel), Text(id), Time(at));
        return await CountRowsAsync(command, cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask AddCallAsync(PendingCallRecord call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_addCallSql, Text(call.Id), Text(call.Owner.AppId), Text(call.Owner.UserId), Small((short)call.Platform),
            Text(call.Request), Text(call.Driver), Time(call.LeaseUntil), Time(call.CreatedAt), Time(call.ExpiresAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<PendingCallRecord?> GetCallAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getCallSql, Text(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new PendingCallRecord(reader.GetString(0), new Subject(reader.GetString(1), reader.GetString(2)), (Platform)reader.GetInt16(3),
            reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
            reader.GetFieldValue<DateTimeOffset>(8))
        {
            Outcome = reader.IsDBNull(9) ? null : reader.GetString(9),
            FinishedAt = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
        };
    }

    public async ValueTask<bool> FinishCallAsync(string id, string outcome, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(outcome);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_finishSql, Text(_channel), Text(id), Text(outcome), Time(finishedAt));
        return await CountRowsAsync(command, cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask<bool> TryLeaseCallAsync(string id, string driver, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_leaseSql, Text(id), Text(driver), Time(now), Time(leaseUntil));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask RenewLeasesAsync(string driver, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return;
        }

        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_renewSql, Text(driver), TextArray(ids), Time(leaseUntil));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask PublishAsync(ConsentSignal signal, CancellationToken cancellationToken = default)
    {
        await using var command = _database.Command("SELECT pg_notify($1, $2)", Text(_channel), Text(ConsentSignals.Format(signal)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_eraseSql, Text(_channel), Text(userId));
        return await CountRowsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_pruneSql, Time(before), Int(batchSize));
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose() => _feed.ConsentSignaled -= OnSignal;

    private void OnSignal(ConsentSignal signal) => Signaled?.Invoke(signal);

    private static async Task<int> CountRowsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows++;
        }

        return rows;
    }

    private static async Task<ConsentRecord?> ReadConsentAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Consent(reader) : null;
    }

    private static ConsentRecord Consent(NpgsqlDataReader reader) =>
        new(reader.GetString(0), new Subject(reader.GetString(1), reader.GetString(2)), (Platform)reader.GetInt16(3), reader.GetFieldValue<string[]>(4),
            reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6))
        {
            Answer = reader.IsDBNull(7) ? null : reader.GetString(7),
            ClosedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
            Waiters = reader.GetInt32(9),
        };
}
