using Microsoft.Data.Sqlite;

namespace Uni.Authorize.Sqlite;

/// <summary>The access report's records in the SQLite file of the other stores.</summary>
internal sealed class SqliteAccessRecordStore(SqliteDatabase database) : IAccessRecordStore
{
    public ValueTask AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        // One transaction per batch: one fsync for all of its rows.
        database.Run(records, static (lease, records) =>
        {
            lease.Execute(Sql.BeginWrite);
            foreach (var record in records)
            {
                lease.Command(Sql.AccessAppend, record.AppId, record.UserId, record.Scope, record.Api, record.At.UtcTicks).ExecuteNonQuery();
            }

            lease.Execute(Sql.Commit);
            return 0;
        }, cancellationToken);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<AccessSummary>> SummarizeUserAsync(
        string userId, string? appId, DateTimeOffset today, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(database.Run((userId, appId, today, since), static (lease, call) =>
        {
            var list = new List<AccessSummary>();
            using var reader = lease.Command(Sql.AccessSummarize, call.userId, call.appId, call.today.UtcTicks, call.since.UtcTicks).ExecuteReader();
            while (reader.Read())
            {
                list.Add(new AccessSummary(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                    SqliteDecisionStore.TimeAt(reader, 5)));
            }

            return (IReadOnlyList<AccessSummary>)list;
        }, cancellationToken));
    }

    public ValueTask<IReadOnlyList<AccessAggregate>> AggregateAsync(string? appId, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        new(database.Run((appId, since), static (lease, call) =>
        {
            var list = new List<AccessAggregate>();
            using var reader = lease.Command(Sql.AccessAggregate, call.appId, call.since.UtcTicks).ExecuteReader();
            while (reader.Read())
            {
                list.Add(new AccessAggregate(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4),
                    SqliteDecisionStore.TimeAt(reader, 5)));
            }

            return (IReadOnlyList<AccessAggregate>)list;
        }, cancellationToken));

    public ValueTask<IReadOnlyList<AccessRecord>> ListUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(database.Run(userId, static (lease, userId) =>
        {
            var list = new List<AccessRecord>();
            using var reader = lease.Command(Sql.AccessListUser, userId).ExecuteReader();
            while (reader.Read())
            {
                list.Add(new AccessRecord(reader.GetString(0), userId, reader.GetString(1), reader.GetString(2), SqliteDecisionStore.TimeAt(reader, 3)));
            }

            return (IReadOnlyList<AccessRecord>)list;
        }, cancellationToken));
    }

    public ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new(database.Run((before, batchSize), static (lease, call) =>
            lease.Command(Sql.AccessPrune, call.before.UtcTicks, call.batchSize).ExecuteNonQuery(), cancellationToken));
    }

    public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(database.Run(userId, static (lease, userId) => lease.Command(Sql.AccessEraseUser, userId).ExecuteNonQuery(), cancellationToken));
    }
}
