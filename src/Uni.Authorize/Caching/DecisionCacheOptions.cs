namespace Uni.Authorize;

/// <summary>Settings of <see cref="CachingDecisionStore"/>.</summary>
public sealed class DecisionCacheOptions
{
    /// <summary>The most lookups held at once; the oldest are dropped first. Default 100,000.</summary>
    public int MaxEntries { get; set; } = 100_000;

    internal void Validate()
    {
        if (MaxEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEntries), MaxEntries, "DecisionCacheOptions.MaxEntries must be at least 1.");
        }
    }
}
