namespace Uni.Authorize;

/// <summary>
/// Consent dialogs waiting for their user and the calls waiting for them, kept where every host instance sharing the
/// store sees them: an app may ask on one instance, the user answer on another and the app read the answer on a third.
/// Every change is announced through <see cref="Signaled"/> on every instance, including the one that made it.
/// Implementations are safe for concurrent use and throw when the backing store cannot answer.
/// </summary>
public interface IConsentStore
{
    /// <summary>Whether <see cref="Signaled"/> is being delivered now; while it is not, waiters look again on their own.</summary>
    bool IsHealthy { get; }

    /// <summary>Raised for every change made anywhere: consents opened or closed, calls finished, signals published.</summary>
    event Action<ConsentSignal>? Signaled;

    /// <summary>Opens <paramref name="candidate"/>, or returns the consent already open for the same subject and scope set
    /// (at most one is open per subject and scope set; an open consent past its expiry is closed first). Either way the
    /// caller counts as one more waiter until it calls <see cref="ReleaseConsentAsync"/>.</summary>
    ValueTask<ConsentRecord> OpenConsentAsync(ConsentRecord candidate, CancellationToken cancellationToken = default);

    /// <summary>The consent <paramref name="id"/>, open or closed, or <see langword="null"/>.</summary>
    ValueTask<ConsentRecord?> GetConsentAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The consents open for <paramref name="userId"/> and not expired at <paramref name="now"/>, oldest first.</summary>
    ValueTask<IReadOnlyList<ConsentRecord>> ListOpenConsentsAsync(string userId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>How many consents of every user are open and not expired at <paramref name="now"/>.</summary>
    ValueTask<int> CountOpenConsentsAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Closes an open consent with <paramref name="answer"/> (<see langword="null"/>: withdrawn or timed out);
    /// <see langword="false"/> when it was closed already: the first close wins.</summary>
    ValueTask<bool> CloseConsentAsync(string id, string? answer, DateTimeOffset closedAt, CancellationToken cancellationToken = default);

    /// <summary>Ends one waiter's wait on an open consent; the last waiter to leave closes it without an answer
    /// (withdrawn), and <see langword="true"/> says so.</summary>
    ValueTask<bool> ReleaseConsentAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Stores a new pending call.</summary>
    ValueTask AddCallAsync(PendingCallRecord call, CancellationToken cancellationToken = default);

    /// <summary>The call <paramref name="id"/>, pending or finished, or <see langword="null"/>.</summary>
    ValueTask<PendingCallRecord?> GetCallAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records the outcome of a pending call; <see langword="false"/> when it had one already: the first wins.</summary>
    ValueTask<bool> FinishCallAsync(string id, string outcome, DateTimeOffset finishedAt, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="driver"/> the instance that computes a pending call, when the call has no outcome and
    /// its lease ended before <paramref name="now"/> (its driver stopped) or <paramref name="driver"/> holds it already.</summary>
    ValueTask<bool> TryLeaseCallAsync(string id, string driver, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Extends the leases <paramref name="driver"/> holds on the pending calls <paramref name="ids"/>.</summary>
    ValueTask RenewLeasesAsync(string driver, IReadOnlyCollection<string> ids, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Announces <paramref name="signal"/> to every instance (for example a revoked session).</summary>
    ValueTask PublishAsync(ConsentSignal signal, CancellationToken cancellationToken = default);

    /// <summary>Deletes every consent (open or closed) and every call of the user <paramref name="userId"/>; returns how
    /// many rows went. Each deleted consent is announced as changed, so the user's waiting lists look again.</summary>
    ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes up to <paramref name="batchSize"/> consents closed or expired before <paramref name="before"/> and
    /// up to <paramref name="batchSize"/> calls finished or expired before it; returns how many rows went.</summary>
    ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default);
}

/// <summary>A consent dialog: who is asked, for what, and (once closed) the answer.</summary>
/// <param name="Id">Random, unguessable id.</param>
/// <param name="Subject">The app asking and the user asked.</param>
/// <param name="Platform">The platform whose wording applies.</param>
/// <param name="Scopes">The canonical names of the asked scopes.</param>
/// <param name="CreatedAt">When it was opened.</param>
/// <param name="ExpiresAt">When it stops waiting.</param>
public sealed record ConsentRecord(string Id, Subject Subject, Platform Platform, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>The answer given when it was closed (its encoding is the host's), or <see langword="null"/>.</summary>
    public string? Answer { get; init; }

    /// <summary>When it was closed, or <see langword="null"/> while it is open.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>How many waiters (one per host instance asking) wait for it.</summary>
    public int Waiters { get; init; } = 1;

    /// <summary>Whether the user may still answer it at <paramref name="now"/>.</summary>
    public bool IsOpenAt(DateTimeOffset now) => ClosedAt is null && ExpiresAt > now;

    /// <summary>The key that makes one open consent per subject and scope set.</summary>
    public string ScopeKey => string.Join(' ', Scopes.Order(StringComparer.Ordinal));
}

/// <summary>A call of a mini-app that waits for a consent, readable through any instance.</summary>
/// <param name="Id">Random, unguessable id.</param>
/// <param name="Owner">The app and user whose session started it; nobody else reads it.</param>
/// <param name="Platform">The platform of the app.</param>
/// <param name="Request">What was asked, encoded by the host, so that another instance can finish the call.</param>
/// <param name="Driver">The instance computing the outcome.</param>
/// <param name="LeaseUntil">Until when the driver is trusted to be alive.</param>
/// <param name="CreatedAt">When it started.</param>
/// <param name="ExpiresAt">When it is forgotten.</param>
public sealed record PendingCallRecord(
    string Id, Subject Owner, Platform Platform, string Request, string Driver, DateTimeOffset LeaseUntil, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>The outcome (encoded by the host), or <see langword="null"/> while pending.</summary>
    public string? Outcome { get; init; }

    /// <summary>When the outcome was recorded.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>What changed.</summary>
public enum ConsentSignalKind
{
    /// <summary>A consent was opened or closed; <see cref="ConsentSignal.UserId"/> names its user.</summary>
    ConsentChanged = 0,

    /// <summary>A pending call has its outcome.</summary>
    CallFinished = 1,

    /// <summary>A mini-app session was revoked; <see cref="ConsentSignal.Id"/> is the hash of its token.</summary>
    SessionRevoked = 2,
}

/// <summary>A change announced to every instance.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Id">The consent, call or session.</param>
/// <param name="UserId">The user concerned, when known.</param>
public readonly record struct ConsentSignal(ConsentSignalKind Kind, string Id, string? UserId = null);
