using Microsoft.Data.Sqlite;

namespace Uni.Authorize.Sqlite;

/// <summary>Webhook endpoints, the outbox and the delivery lease in the SQLite file of the other stores, so that a
/// decision or session change and its event commit together.</summary>
internal sealed class SqliteWebhookStore(SqliteDatabase database) : IWebhookStore
{
    public ValueTask<WebhookEndpoint?> GetEndpointAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return new(database.Run(appId, static (lease, appId) =>
        {
            using var reader = lease.Command(Sql.WebhookGetEndpoint, appId).ExecuteReader();
            return reader.Read()
                ? new WebhookEndpoint(appId, new Uri(reader.GetString(0), UriKind.Absolute), reader.GetString(1), SqliteDecisionStore.TimeAt(reader, 2))
                : null;
        }, cancellationToken));
    }

    public ValueTask SetEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        database.Run(endpoint, static (lease, endpoint) => lease.Command(Sql.WebhookSetEndpoint,
            endpoint.AppId, endpoint.Url.AbsoluteUri, endpoint.Secret, endpoint.UpdatedAt.UtcTicks).ExecuteNonQuery(), cancellationToken);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RemoveEndpointAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return new(database.Run(appId, static (lease, appId) =>
        {
            lease.Execute(Sql.BeginWrite);
            lease.Command(Sql.WebhookRemoveEvents, appId).ExecuteNonQuery();
            var removed = lease.Command(Sql.WebhookRemoveEndpoint, appId).ExecuteNonQuery() == 1;
            lease.Execute(Sql.Commit);
            return removed;
        }, cancellationToken));
    }

    public ValueTask<IReadOnlyList<WebhookEvent>> ListDueAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new(database.Run((now, batchSize), static (lease, call) =>
        {
            var events = new List<WebhookEvent>();
            using var reader = lease.Command(Sql.WebhookListDue, call.now.UtcTicks, call.batchSize).ExecuteReader();
            while (reader.Read())
            {
                var kind = reader.GetInt64(3);
                if (kind is < 0 or > 3)
                {
                    throw new InvalidDataException($"A stored webhook event is corrupt: kind {kind} is out of range. Restore the database from a backup.");
                }

                events.Add(new WebhookEvent(reader.GetString(0), reader.GetString(1), reader.GetString(2), (WebhookEventKind)kind,
                    reader.IsDBNull(4) ? null : reader.GetString(4), SqliteDecisionStore.TimeAt(reader, 5))
                {
                    Attempts = reader.GetInt32(6),
                    NextAttemptAt = SqliteDecisionStore.TimeAt(reader, 7),
                    OpenId = reader.IsDBNull(8) ? null : reader.GetString(8),
                });
            }

            return (IReadOnlyList<WebhookEvent>)events;
        }, cancellationToken));
    }

    // The ids are derived outside the write transaction (the caller may read the database for them); an event completed
    // meanwhile is simply gone, and whatever still names the user after the renaming is dropped.
    public async ValueTask<int> ForgetUserAsync(string userId, Func<string, CancellationToken, ValueTask<string>> openIdOf, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(openIdOf);
        var apps = database.Run(userId, static (lease, userId) =>
        {
            var list = new List<string>();
            using var reader = lease.Command(Sql.WebhookForgetApps, userId).ExecuteReader();
            while (reader.Read())
            {
                list.Add(reader.GetString(0));
            }

            return list;
        }, cancellationToken);
        var named = new List<(string App, string OpenId)>(apps.Count);
        foreach (var app in apps)
        {
            named.Add((app, await openIdOf(app, cancellationToken).ConfigureAwait(false)));
        }

        return database.Run((userId, named), static (lease, call) =>
        {
            lease.Execute(Sql.BeginWrite);
            foreach (var (app, openId) in call.named)
            {
                lease.Command(Sql.WebhookForgetName, call.userId, app, openId).ExecuteNonQuery();
            }

            var dropped = lease.Command(Sql.WebhookForgetDrop, call.userId).ExecuteNonQuery();
            lease.Execute(Sql.Commit);
            return dropped;
        }, cancellationToken);
    }

    public ValueTask<bool> CompleteAsync(string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        return new(database.Run(eventId, static (lease, id) => lease.Command(Sql.WebhookComplete, id).ExecuteNonQuery() == 1, cancellationToken));
    }

    public ValueTask RetryAsync(string eventId, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        database.Run((eventId, nextAttemptAt), static (lease, call) =>
            lease.Command(Sql.WebhookRetry, call.eventId, call.nextAttemptAt.UtcTicks).ExecuteNonQuery(), cancellationToken);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> TryAcquireLeaseAsync(string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(holder);
        return new(database.Run((holder, now, until), static (lease, call) =>
            lease.Command(Sql.WebhookLease, call.holder, call.now.UtcTicks, call.until.UtcTicks).ExecuteNonQuery() == 1, cancellationToken));
    }

    /// <summary>Writes an event for an app with an endpoint; the caller holds the write transaction of the change.</summary>
    internal static void Enqueue(SqliteLease lease, string appId, string userId, WebhookEventKind kind, string? scope, DateTimeOffset at) =>
        lease.Command(Sql.WebhookEnqueue, WebhookEvents.NewId(), appId, userId, (int)kind, scope, at.UtcTicks).ExecuteNonQuery();

    /// <summary>Writes a <see cref="WebhookEventKind.UserErased"/> event for every app with an endpoint in which the user has a
    /// decision or an audit entry; called inside the erasure's transaction, before the rows go.</summary>
    internal static void EnqueueErasure(SqliteLease lease, string userId)
    {
        var apps = new List<string>();
        using (var reader = lease.Command(Sql.WebhookErasureApps, userId).ExecuteReader())
        {
            while (reader.Read())
            {
                apps.Add(reader.GetString(0));
            }
        }

        var now = lease.Database.Clock.GetUtcNow();
        foreach (var app in apps)
        {
            Enqueue(lease, app, userId, WebhookEventKind.UserErased, scope: null, now);
        }
    }
}
