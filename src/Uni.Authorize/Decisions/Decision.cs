namespace Uni.Authorize;

/// <summary>A stored decision for one subject and one scope.</summary>
/// <param name="Subject">Whose decision it is.</param>
/// <param name="Scope">The canonical scope name (for example <c>scope.userLocation</c>).</param>
/// <param name="State">The answer.</param>
/// <param name="Source">How the answer was given.</param>
/// <param name="DecidedAt">When the answer was given.</param>
/// <param name="ExpiresAt">When the answer stops counting, or <see langword="null"/> for never.</param>
/// <param name="Version">Increases by one with every write; 0 is never stored.</param>
public sealed record Decision(
    Subject Subject,
    string Scope,
    DecisionState State,
    DecisionSource Source,
    DateTimeOffset DecidedAt,
    DateTimeOffset? ExpiresAt,
    long Version)
{
    /// <summary>The state that counts at <paramref name="now"/>: an expired decision is not determined.</summary>
    public DecisionState EffectiveState(DateTimeOffset now) =>
        ExpiresAt is { } expiresAt && expiresAt <= now ? DecisionState.NotDetermined : State;

    /// <summary>The version of the app's declared purpose the answer was given to (<see cref="DeclaredPurpose.Version"/>);
    /// 0 when the app declared none.</summary>
    public long PurposeVersion { get; init; }

    /// <summary>How long the answer was meant to last.</summary>
    public DecisionLifetime Lifetime { get; init; }
}

/// <summary>A conditional write of one decision.</summary>
/// <param name="Subject">Whose decision it is.</param>
/// <param name="Scope">The canonical scope name.</param>
/// <param name="State">The new answer.</param>
/// <param name="Source">How the answer was given.</param>
/// <param name="DecidedAt">When the answer was given.</param>
/// <param name="ExpiresAt">When the answer stops counting, or <see langword="null"/> for never.</param>
/// <param name="ExpectedVersion">The version the writer read: 0 when it read no row. The write fails with a conflict otherwise.</param>
public sealed record DecisionWrite(
    Subject Subject,
    string Scope,
    DecisionState State,
    DecisionSource Source,
    DateTimeOffset DecidedAt,
    DateTimeOffset? ExpiresAt,
    long ExpectedVersion)
{
    /// <summary>The version of the app's declared purpose the answer is given to; 0 when the app declared none.</summary>
    public long PurposeVersion { get; init; }

    /// <summary>How long the answer is meant to last.</summary>
    public DecisionLifetime Lifetime { get; init; }
}

/// <summary>The outcome of <see cref="IDecisionStore.TryWriteAsync"/>.</summary>
/// <param name="Written">Whether the write was applied.</param>
/// <param name="Current">The stored decision after the call: the new one when written, the conflicting one otherwise
/// (<see langword="null"/> only when a conflict is with a row that was deleted).</param>
public readonly record struct DecisionWriteResult(bool Written, Decision? Current)
{
    /// <summary>The write was applied.</summary>
    public static DecisionWriteResult Success(Decision current) => new(true, current);

    /// <summary>The expected version did not match.</summary>
    public static DecisionWriteResult Conflict(Decision? current) => new(false, current);
}

/// <summary>One change of a decision, as kept in the append-only audit trail.</summary>
/// <param name="Subject">Whose decision changed.</param>
/// <param name="Scope">The canonical scope name.</param>
/// <param name="From">The state before the change.</param>
/// <param name="To">The state after the change.</param>
/// <param name="Source">How the change was made.</param>
/// <param name="At">When the change was made.</param>
public sealed record DecisionAuditEntry(
    Subject Subject,
    string Scope,
    DecisionState From,
    DecisionState To,
    DecisionSource Source,
    DateTimeOffset At)
{
    /// <summary>The version of the app's declared purpose the answer was given to; 0 when the app declared none.</summary>
    public long PurposeVersion { get; init; }

    /// <summary>How long the answer was meant to last.</summary>
    public DecisionLifetime Lifetime { get; init; }
}
