using Npgsql;
using static Uni.Authorize.PostgreSql.SqlParameters;

namespace Uni.Authorize.PostgreSql;

// The access report's records in the schema of the other stores.
internal sealed class PostgreSqlAccessRecordStore : IAccessRecordStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _appendSql;
    private readonly string _summarizeSql;
    private readonly string _aggregateSql;
    private readonly string _listSql;
    private readonly string _pruneSql;
    private readonly string _eraseSql;

    public PostgreSqlAccessRecordStore(PostgreSqlDatabase database)
    {
        _database = database;
        var table = database.Table.AccessRecords;
        // One statement per batch: the columns travel as arrays.
        _appendSql = $"""
            INSERT INTO {table} (app_id, user_id, scope, api, at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
            """;
        _summarizeSql = $"""
            SELECT app_id, scope, api, count(*) FILTER (WHERE at >= $3), count(*), max(at) FROM {table}
            WHERE user_id = $1 AND at >= $4 AND ($2::text IS NULL OR app_id = $2) GROUP BY app_id, scope, api ORDER BY app_id, scope, api
            """;
        _aggregateSql = $"""
            SELECT app_id, scope, api, count(*), count(DISTINCT user_id), max(at) FROM {table}
            WHERE at >= $2 AND ($1::text IS NULL OR app_id = $1) GROUP BY app_id, scope, api ORDER BY app_id, scope, api
            """;
        _listSql = $"SELECT app_id, scope, api, at FROM {table} WHERE user_id = $1 ORDER BY at, id";
        _pruneSql = $"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE at < $1 LIMIT $2)";
        _eraseSql = $"DELETE FROM {table} WHERE user_id = $1";
    }

    public async ValueTask AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return;
        }

        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_appendSql,
            TextArray(records.Select(static r => r.AppId)), TextArray(records.Select(static r => r.UserId)),
            TextArray(records.Select(static r => r.Scope)), TextArray(records.Select(static r => r.Api)),
            new NpgsqlParameter<DateTime[]> { TypedValue = [.. records.Select(static r => r.At.UtcDateTime)] });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<AccessSummary>> SummarizeUserAsync(
        string userId, string? appId, DateTimeOffset today, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_summarizeSql, Text(userId), NullableText(appId), Time(today), Time(since));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<AccessSummary>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new AccessSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return list;
    }

    public async ValueTask<IReadOnlyList<AccessAggregate>> AggregateAsync(string? appId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_aggregateSql, NullableText(appId), Time(since));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<AccessAggregate>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new AccessAggregate(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return list;
    }

    public async ValueTask<IReadOnlyList<AccessRecord>> ListUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_listSql, Text(userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<AccessRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new AccessRecord(reader.GetString(0), userId, reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return list;
    }

    public async ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_pruneSql, Time(before), Int(batchSize));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_eraseSql, Text(userId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
