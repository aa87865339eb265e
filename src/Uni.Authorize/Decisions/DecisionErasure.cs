namespace Uni.Authorize;

/// <summary>What <see cref="IDecisionStore.EraseUserAsync"/> did: the user's decisions went; the audit entries stayed,
/// moved to a pseudonym that no longer names the user.</summary>
/// <param name="Pseudonym">The user id the kept audit entries carry now: <see cref="PseudonymPrefix"/> and random hex, new for every erasure.</param>
/// <param name="Decisions">How many decisions were deleted.</param>
/// <param name="AuditEntries">How many audit entries were moved to <paramref name="Pseudonym"/>.</param>
public sealed record DecisionErasure(string Pseudonym, int Decisions, int AuditEntries)
{
    /// <summary>How every pseudonym of an erased user starts; no user id may start so.</summary>
    public const string PseudonymPrefix = "erased:";

    /// <summary>Whether <paramref name="userId"/> is a pseudonym left by an erasure.</summary>
    public static bool IsPseudonym(string? userId) =>
        userId is not null && userId.StartsWith(PseudonymPrefix, StringComparison.Ordinal);

    /// <summary>Throws when <paramref name="userId"/> cannot name a user to erase: empty, or already a pseudonym.
    /// Stores call it first in <see cref="IDecisionStore.EraseUserAsync"/>.</summary>
    public static void ThrowIfNotErasable(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (IsPseudonym(userId))
        {
            throw new ArgumentException("The user id is the pseudonym of an erased user: there is nothing left to erase.", nameof(userId));
        }
    }

    /// <summary>A new pseudonym: <see cref="PseudonymPrefix"/> and 32 random hex digits.</summary>
    public static string NewPseudonym() =>
        PseudonymPrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
