namespace Uni.Authorize;

internal static class ErasedUsers
{
    /// <summary>Throws when <paramref name="userId"/> cannot name a user to erase.</summary>
    public static void Check(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (DecisionErasure.IsPseudonym(userId))
        {
            throw new ArgumentException("The user id is the pseudonym of an erased user: there is nothing left to erase.", nameof(userId));
        }
    }

    public static string NewPseudonym() => DecisionErasure.NewPseudonym();
}
