using Microsoft.Data.Sqlite;

namespace Uni.Authorize.Sqlite;

/// <summary>Decisions in SQLite: one row per (app, user, scope), conditional writes and their audit entry in one transaction.
/// Calls complete synchronously: SQLite runs in-process.</summary>
internal sealed class SqliteDecisionStore(SqliteDatabase database) : IDecisionStore
{
    public ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default) =>
        new(database.Run((subject, scope), static (lease, key) => Read(lease, key.subject, key.scope), cancellationToken));

    public ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default) =>
        new(database.Run(subject, static (lease, subject) =>
        {
            var list = new List<Decision>();
            using var reader = lease.Command(Sql.ListDecisions, subject.AppId, subject.UserId).ExecuteReader();
            while (reader.Read())
            {
                list.Add(ToDecision(reader, subject, reader.GetString(0), first: 1));
            }

            return (IReadOnlyList<Decision>)list;
        }, cancellationToken));

    public ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return new(database.Run(write, static (lease, write) =>
        {
            lease.Execute(Sql.BeginWrite);
            var current = Read(lease, write.Subject, write.Scope);
            if ((current?.Version ?? 0) != write.ExpectedVersion)
            {
                lease.Execute(Sql.Rollback);
                return DecisionWriteResult.Conflict(current);
            }

            var next = new Decision(write.Subject, write.Scope, write.State, write.Source, write.DecidedAt, write.ExpiresAt, write.ExpectedVersion + 1)
            {
                PurposeVersion = write.PurposeVersion,
                Lifetime = write.Lifetime,
            };
            lease.Command(current is null ? Sql.InsertDecision : Sql.UpdateDecision,
                write.Subject.AppId, write.Subject.UserId, write.Scope, (int)write.State, (int)write.Source,
                write.DecidedAt.UtcTicks, write.ExpiresAt?.UtcTicks, next.Version, write.PurposeVersion, (int)write.Lifetime).ExecuteNonQuery();
            var from = current?.State ?? DecisionState.NotDetermined;
            lease.Command(Sql.AppendAudit,
                write.Subject.AppId, write.Subject.UserId, write.Scope, (int)from,
                (int)write.State, (int)write.Source, write.DecidedAt.UtcTicks, write.PurposeVersion, (int)write.Lifetime).ExecuteNonQuery();
            if (from != write.State && WebhookEvents.KindOf(write) is { } kind)
            {
                SqliteWebhookStore.Enqueue(lease, write.Subject.AppId, write.Subject.UserId, kind, write.Scope, write.DecidedAt);
            }

            lease.Execute(Sql.Commit);
            return DecisionWriteResult.Success(next);
        }, cancellationToken));
    }

    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default) =>
        new(database.Run(subject, static (lease, subject) =>
        {
            var list = new List<DecisionAuditEntry>();
            using var reader = lease.Command(Sql.ListAudit, subject.AppId, subject.UserId).ExecuteReader();
            while (reader.Read())
            {
                list.Add(new DecisionAuditEntry(subject, reader.GetString(0), StateAt(reader, 1), StateAt(reader, 2), SourceAt(reader, 3), TimeAt(reader, 4))
                {
                    PurposeVersion = IntegerAt(reader, 5, "purpose_version"),
                    Lifetime = LifetimeAt(reader, 6),
                });
            }

            return (IReadOnlyList<DecisionAuditEntry>)list;
        }, cancellationToken));

    public ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(database.Run(userId, static (lease, userId) =>
        {
            var list = new List<Decision>();
            using var reader = lease.Command(Sql.ListUserDecisions, userId).ExecuteReader();
            while (reader.Read())
            {
                list.Add(ToDecision(reader, new Subject(reader.GetString(0), userId), reader.GetString(1), first: 2));
            }

            // SQLite orders text by UTF-8 bytes; .NET's ordinal order is by UTF-16 code units.
            list.Sort(static (a, b) => string.CompareOrdinal(a.Subject.AppId, b.Subject.AppId) is var c and not 0 ? c : string.CompareOrdinal(a.Scope, b.Scope));
            return (IReadOnlyList<Decision>)list;
        }, cancellationToken));
    }

    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(database.Run(userId, static (lease, userId) =>
        {
            var list = new List<DecisionAuditEntry>();
            using var reader = lease.Command(Sql.ListUserAudit, userId).ExecuteReader();
            while (reader.Read())
            {
                list.Add(new DecisionAuditEntry(new Subject(reader.GetString(0), userId), reader.GetString(1), StateAt(reader, 2), StateAt(reader, 3),
                    SourceAt(reader, 4), TimeAt(reader, 5))
                {
                    PurposeVersion = IntegerAt(reader, 6, "purpose_version"),
                    Lifetime = LifetimeAt(reader, 7),
                });
            }

            return (IReadOnlyList<DecisionAuditEntry>)list;
        }, cancellationToken));
    }

    // One write transaction: writes are serialized with it, so a write lands before it (and is erased) or after it,
    // where its expected version no longer matches.
    public ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        DecisionErasure.ThrowIfNotErasable(userId);
        return new(database.Run(userId, static (lease, userId) =>
        {
            var pseudonym = DecisionErasure.NewPseudonym();
            lease.Execute(Sql.BeginWrite);
            SqliteWebhookStore.EnqueueErasure(lease, userId);
            var decisions = lease.Command(Sql.EraseUserDecisions, userId).ExecuteNonQuery();
            var entries = lease.Command(Sql.EraseUserAudit, userId, pseudonym).ExecuteNonQuery();
            lease.Execute(Sql.Commit);
            return new DecisionErasure(pseudonym, decisions, entries);
        }, cancellationToken));
    }

    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneExpiredAsync(now, int.MaxValue, cancellationToken);

    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new(database.Run((now, batchSize), static (lease, call) =>
            lease.Command(Sql.PruneDecisions, call.now.UtcTicks, call.batchSize).ExecuteNonQuery(), cancellationToken));
    }

    private static Decision? Read(SqliteLease lease, Subject subject, string scope)
    {
        using var reader = lease.Command(Sql.GetDecision, subject.AppId, subject.UserId, scope).ExecuteReader();
        return reader.Read() ? ToDecision(reader, subject, scope, first: 0) : null;
    }

    private static Decision ToDecision(SqliteDataReader reader, Subject subject, string scope, int first)
    {
        var version = IntegerAt(reader, first + 4, "version");
        if (version < 1)
        {
            throw Corrupt("version", version);
        }

        return new Decision(subject, scope, StateAt(reader, first), SourceAt(reader, first + 1), TimeAt(reader, first + 2),
            reader.IsDBNull(first + 3) ? null : TimeAt(reader, first + 3), version)
        {
            PurposeVersion = IntegerAt(reader, first + 5, "purpose_version"),
            Lifetime = LifetimeAt(reader, first + 6),
        };
    }

    private static DecisionLifetime LifetimeAt(SqliteDataReader reader, int ordinal)
    {
        var value = IntegerAt(reader, ordinal, "lifetime");
        return value is >= 0 and <= 2 ? (DecisionLifetime)value : throw Corrupt("lifetime", value);
    }

    private static DecisionState StateAt(SqliteDataReader reader, int ordinal)
    {
        var value = IntegerAt(reader, ordinal, "state");
        return value is >= 0 and <= 2 ? (DecisionState)value : throw Corrupt("state", value);
    }

    private static DecisionSource SourceAt(SqliteDataReader reader, int ordinal)
    {
        var value = IntegerAt(reader, ordinal, "source");
        return value is >= 0 and <= 3 ? (DecisionSource)value : throw Corrupt("source", value);
    }

    internal static DateTimeOffset TimeAt(SqliteDataReader reader, int ordinal)
    {
        var ticks = IntegerAt(reader, ordinal, "time");
        return ticks is >= 0 and <= 3155378975999999999 ? new DateTimeOffset(ticks, TimeSpan.Zero) : throw Corrupt("time", ticks);
    }

    // A text or real where an integer belongs would read as 0 (not determined): refuse it instead.
    private static long IntegerAt(SqliteDataReader reader, int ordinal, string column) =>
        reader.GetFieldType(ordinal) == typeof(long)
            ? reader.GetInt64(ordinal)
            : throw new InvalidDataException($"A stored row is corrupt: {column} is not an integer. Restore the database from a backup.");

    private static InvalidDataException Corrupt(string column, long value) =>
        new($"A stored decision row is corrupt: {column} {value} is out of range. Restore the database from a backup.");
}
