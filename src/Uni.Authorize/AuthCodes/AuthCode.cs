namespace Uni.Authorize;

/// <summary>An issued auth code as stored: only its hash, never the code itself.</summary>
/// <param name="CodeHash">Lower-case hex SHA-256 of the code.</param>
/// <param name="Subject">The app it was issued to and the user it names.</param>
/// <param name="Scopes">The canonical scopes it proves, in ordinal order.</param>
/// <param name="IssuedAt">When it was issued.</param>
/// <param name="ExpiresAt">When it stops being redeemable.</param>
public sealed record AuthCodeRecord(
    string CodeHash,
    Subject Subject,
    IReadOnlyList<string> Scopes,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt);

/// <summary>Why a redemption succeeded or failed.</summary>
public enum AuthCodeRedemptionStatus
{
    /// <summary>The code was valid and is now used up.</summary>
    Redeemed = 0,

    /// <summary>No such code: malformed, never issued, or pruned.</summary>
    Invalid = 1,

    /// <summary>The code was issued but its lifetime is over.</summary>
    Expired = 2,

    /// <summary>The code was already exchanged once.</summary>
    AlreadyUsed = 3,

    /// <summary>The code belongs to another app. It is not used up: its own app can still redeem it once.</summary>
    WrongApp = 4,
}

/// <summary>The outcome of redeeming an auth code.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Code">The stored code when it exists (also for failures other than <see cref="AuthCodeRedemptionStatus.Invalid"/>).</param>
public readonly record struct AuthCodeRedemption(AuthCodeRedemptionStatus Status, AuthCodeRecord? Code)
{
    /// <summary>Whether the code was redeemed by this call.</summary>
    public bool Succeeded => Status == AuthCodeRedemptionStatus.Redeemed;
}

/// <summary>
/// Where auth codes live. Redemption is one atomic step: of any number of concurrent redeemers of one code,
/// in one process or many, exactly one sees <see cref="AuthCodeRedemptionStatus.Redeemed"/>. A code is used up
/// by its own app's first redemption attempt whatever its outcome (expired too), as Alipay and WeChat do; another app's
/// attempt changes nothing, so one app's credentials cannot burn another app's codes.
/// </summary>
public interface IAuthCodeStore
{
    /// <summary>Stores a newly issued code.</summary>
    ValueTask AddAsync(AuthCodeRecord code, CancellationToken cancellationToken = default);

    /// <summary>Atomically marks the code used when <paramref name="appId"/> is its app, and reports whether this call
    /// may accept it.</summary>
    /// <param name="codeHash">Lower-case hex SHA-256 of the presented code.</param>
    /// <param name="appId">The app presenting the code.</param>
    /// <param name="now">The current time, for the expiry check.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    ValueTask<AuthCodeRedemption> RedeemAsync(string codeHash, string appId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Deletes every code naming the user <paramref name="userId"/>, redeemed or not; returns how many.</summary>
    ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every code issued to the app <paramref name="appId"/>, redeemed or not; returns how many.</summary>
    ValueTask<int> RemoveAppCodesAsync(string appId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every code that expired at or before <paramref name="now"/> or was redeemed; returns how many.</summary>
    ValueTask<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneAsync(now, int.MaxValue, cancellationToken);

    /// <summary>Deletes at most <paramref name="batchSize"/> codes that expired at or before <paramref name="now"/> or
    /// were redeemed; returns how many went.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default);
}
