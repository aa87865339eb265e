using static Uni.Authorize.PostgreSql.SqlParameters;

namespace Uni.Authorize.PostgreSql;

// Webhook endpoints, the outbox and the delivery lease in the schema of the other stores, so that a decision or session
// change and its event commit together.
internal sealed class PostgreSqlWebhookStore : IWebhookStore
{
    private const string EventColumns = "id, app_id, user_id, kind, scope, occurred_at, attempts, next_attempt_at, open_id";

    private readonly PostgreSqlDatabase _database;
    private readonly string _getSql;
    private readonly string _setSql;
    private readonly string _removeSql;
    private readonly string _listDueSql;
    private readonly string _completeSql;
    private readonly string _retrySql;
    private readonly string _leaseSql;
    private readonly string _forgetAppsSql;
    private readonly string _forgetSql;

    public PostgreSqlWebhookStore(PostgreSqlDatabase database)
    {
        _database = database;
        var table = database.Table;
        _getSql = $"SELECT url, secret, updated_at FROM {table.WebhookEndpoints} WHERE app_id = $1";
        _setSql = $"""
            INSERT INTO {table.WebhookEndpoints} (app_id, url, secret, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (app_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = EXCLUDED.updated_at
            """;
        _removeSql = $"""
            WITH events AS (DELETE FROM {table.WebhookOutbox} WHERE app_id = $1),
                 endpoint AS (DELETE FROM {table.WebhookEndpoints} WHERE app_id = $1 RETURNING app_id)
            SELECT count(*) FROM endpoint
            """;
        _listDueSql = $"SELECT {EventColumns} FROM {table.WebhookOutbox} WHERE next_attempt_at <= $1 ORDER BY occurred_at, seq LIMIT $2";
        _completeSql = $"DELETE FROM {table.WebhookOutbox} WHERE id = $1";
        _retrySql = $"UPDATE {table.WebhookOutbox} SET attempts = attempts + 1, next_attempt_at = $2 WHERE id = $1";
        _forgetAppsSql = $"SELECT DISTINCT app_id FROM {table.WebhookOutbox} WHERE user_id = $1 AND kind = {(int)WebhookEventKind.UserErased}";
        // One statement: both parts see the rows as they were, so the renamed ones are kept out of the delete by id.
        _forgetSql = $"""
            WITH named AS (
                     UPDATE {table.WebhookOutbox} o SET user_id = '', open_id = n.open_id
                     FROM unnest($2::text[], $3::text[]) AS n (app_id, open_id)
                     WHERE o.user_id = $1 AND o.app_id = n.app_id AND o.kind = {(int)WebhookEventKind.UserErased}
                     RETURNING o.id),
                 dropped AS (
                     DELETE FROM {table.WebhookOutbox} WHERE user_id = $1 AND id NOT IN (SELECT id FROM named) RETURNING id)
            SELECT count(*) FROM dropped
            """;
        // The row lock makes concurrent callers queue; the row changes hands only when the lease ended or names the caller.
        _leaseSql = $"""
            INSERT INTO {table.WebhookLease} (name, holder, until) VALUES ('delivery', $1, $3)
            ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
            WHERE {table.WebhookLease}.holder = EXCLUDED.holder OR {table.WebhookLease}.until <= $2
            """;
    }

    public async ValueTask<WebhookEndpoint?> GetEndpointAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_getSql, Text(appId));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new WebhookEndpoint(appId, new Uri(reader.GetString(0), UriKind.Absolute), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    public async ValueTask SetEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_setSql, Text(endpoint.AppId), Text(endpoint.Url.AbsoluteUri), Text(endpoint.Secret), Time(endpoint.UpdatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> RemoveEndpointAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_removeSql, Text(appId));
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    public async ValueTask<IReadOnlyList<WebhookEvent>> ListDueAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_listDueSql, Time(now), Int(batchSize));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<WebhookEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var kind = reader.GetInt16(3);
            events.Add(new WebhookEvent(reader.GetString(0), reader.GetString(1), reader.GetString(2), (WebhookEventKind)kind,
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5))
            {
                Attempts = reader.GetInt32(6),
                NextAttemptAt = reader.GetFieldValue<DateTimeOffset>(7),
                OpenId = reader.IsDBNull(8) ? null : reader.GetString(8),
            });
        }

        return events;
    }

    // The ids are derived between the two statements (the caller may read the database for them); an event completed
    // meanwhile is simply gone, and whatever still names the user after the renaming is dropped.
    public async ValueTask<int> ForgetUserAsync(string userId, Func<string, CancellationToken, ValueTask<string>> openIdOf, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(openIdOf);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        var apps = new List<string>();
        await using (var command = _database.Command(_forgetAppsSql, Text(userId)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                apps.Add(reader.GetString(0));
            }
        }

        var openIds = new List<string>(apps.Count);
        foreach (var app in apps)
        {
            openIds.Add(await openIdOf(app, cancellationToken).ConfigureAwait(false));
        }

        await using var forget = _database.Command(_forgetSql, Text(userId), TextArray(apps), TextArray(openIds));
        return (int)(long)(await forget.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask<bool> CompleteAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_completeSql, Text(eventId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async ValueTask RetryAsync(string eventId, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_retrySql, Text(eventId), Time(nextAttemptAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> TryAcquireLeaseAsync(string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_leaseSql, Text(holder), Time(now), Time(until));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
