namespace Uni.Authorize;

/// <summary>Settings of <see cref="CachingDecisionStore"/>.</summary>
public sealed class DecisionCacheOptions
{
    /// <summary>The most lookups held at once; the oldest are dropped first. Default 100,000.</summary>
    public int MaxEntries { get; set; } = 100_000;
}

internal sealed class DecisionCacheOptionsValidator(string prefix = "DecisionCacheOptions.") : OptionsValidator<DecisionCacheOptions>(prefix)
{
    public static DecisionCacheOptionsValidator Code { get; } = new();

    protected override void Check(DecisionCacheOptions options, List<string> failures)
    {
        if (options.MaxEntries < 1)
        {
            failures.Add($"{Prefix}MaxEntries must be at least 1; it is {options.MaxEntries}.");
        }
    }
}
