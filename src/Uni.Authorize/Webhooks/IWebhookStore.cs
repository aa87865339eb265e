namespace Uni.Authorize;

/// <summary>
/// The apps' webhook endpoints and the outbox of events waiting for delivery. The decision and identity stores of the
/// same backing store write events into the outbox in the same transaction as the change they report (see
/// <see cref="WebhookEvents"/>), only for apps with a registered endpoint. Implementations are safe for concurrent use,
/// compare ids ordinally and throw when the backing store cannot answer.
/// </summary>
public interface IWebhookStore
{
    /// <summary>The endpoint of <paramref name="appId"/>, or <see langword="null"/>.</summary>
    ValueTask<WebhookEndpoint?> GetEndpointAsync(string appId, CancellationToken cancellationToken = default);

    /// <summary>Registers <paramref name="endpoint"/>, replacing the app's previous one (its pending events stay and go to the new URL).</summary>
    ValueTask SetEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default);

    /// <summary>Removes the app's endpoint and its pending events; <see langword="false"/> when it had none.</summary>
    ValueTask<bool> RemoveEndpointAsync(string appId, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="batchSize"/> events due at <paramref name="now"/>, oldest first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    ValueTask<IReadOnlyList<WebhookEvent>> ListDueAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>Removes a delivered (or abandoned) event; <see langword="false"/> when it was gone already.</summary>
    ValueTask<bool> CompleteAsync(string eventId, CancellationToken cancellationToken = default);

    /// <summary>Counts one failed attempt of an event and makes it due again at <paramref name="nextAttemptAt"/>.</summary>
    ValueTask RetryAsync(string eventId, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets <paramref name="userId"/> in the outbox, for an erasure (after <see cref="IDecisionStore.EraseUserAsync"/>
    /// queued its <see cref="WebhookEventKind.UserErased"/> events): drops every other pending event of the user, and keeps
    /// in each <see cref="WebhookEventKind.UserErased"/> event only <see cref="WebhookEvent.OpenId"/>, the id its app knows
    /// the user by (<paramref name="openIdOf"/> of the app id), with <see cref="WebhookEvent.UserId"/> emptied; so no event
    /// names the user by the host's id any more. Returns how many events were dropped.
    /// </summary>
    ValueTask<int> ForgetUserAsync(string userId, Func<string, CancellationToken, ValueTask<string>> openIdOf, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="holder"/> the one deliverer until <paramref name="until"/>, when nobody holds the
    /// lease at <paramref name="now"/> or <paramref name="holder"/> holds it already; <see langword="false"/> otherwise.</summary>
    ValueTask<bool> TryAcquireLeaseAsync(string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default);
}

/// <summary>Where an app wants its events.</summary>
/// <param name="AppId">The app.</param>
/// <param name="Url">An absolute <c>https</c> URL (plain <c>http</c> only to a loopback address, when the host allows it).</param>
/// <param name="Secret">The signing secret, stored as given: signing needs it back. The runnable host and
/// <c>AddUniAuthorizeHost</c> hand stores only its data-protection-encrypted form.</param>
/// <param name="UpdatedAt">When it was registered or its secret rotated.</param>
public sealed record WebhookEndpoint(string AppId, Uri Url, string Secret, DateTimeOffset UpdatedAt);

/// <summary>What happened.</summary>
public enum WebhookEventKind
{
    /// <summary>The user turned a scope off on the settings page (<c>scope.revoked</c>).</summary>
    ScopeRevoked = 0,

    /// <summary>The user reset a scope to not determined: the settings page or withdrawing an app's decisions (<c>scope.reset</c>).</summary>
    ScopeReset = 1,

    /// <summary>The user's data was erased (<c>user.erased</c>).</summary>
    UserErased = 2,

    /// <summary>A mini-app session of the user was revoked (<c>session.revoked</c>).</summary>
    SessionRevoked = 3,
}

/// <summary>One event in the outbox.</summary>
/// <param name="Id">Random, unique: receivers deduplicate by it.</param>
/// <param name="AppId">The app told.</param>
/// <param name="UserId">The host's user id (the host sends the app its own pseudonym of it); empty once the user was erased
/// (<see cref="IWebhookStore.ForgetUserAsync"/>), when <see cref="OpenId"/> names them.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Scope">The scope, for scope events; otherwise <see langword="null"/>.</param>
/// <param name="OccurredAt">When the change was made.</param>
public sealed record WebhookEvent(string Id, string AppId, string UserId, WebhookEventKind Kind, string? Scope, DateTimeOffset OccurredAt)
{
    /// <summary>How many deliveries failed so far.</summary>
    public int Attempts { get; init; }

    /// <summary>When the next attempt is due.</summary>
    public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>The user as the app knows them, kept instead of <see cref="UserId"/> once the user was erased; otherwise
    /// <see langword="null"/> (the deliverer derives it from <see cref="UserId"/>).</summary>
    public string? OpenId { get; init; }
}
