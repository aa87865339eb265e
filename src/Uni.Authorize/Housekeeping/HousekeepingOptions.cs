namespace Uni.Authorize;

/// <summary>Settings of the housekeeping service that prunes finished rows in the background.</summary>
public sealed class HousekeepingOptions
{
    /// <summary>Whether the service runs. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The time between rounds; the first round runs one interval after start. Default 5 minutes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most rows one delete removes; a round repeats batches until one removes fewer. Default 1000.</summary>
    public int BatchSize { get; set; } = 1000;
}

internal sealed class HousekeepingOptionsValidator(string prefix = "HousekeepingOptions.") : OptionsValidator<HousekeepingOptions>(prefix)
{
    protected override void Check(HousekeepingOptions options, List<string> failures)
    {
        if (options.Interval < TimeSpan.FromSeconds(1) || options.Interval > TimeSpan.FromDays(1))
        {
            failures.Add($"{Prefix}Interval must be between 1 second and 1 day; it is {options.Interval}.");
        }

        if (options.BatchSize is < 1 or > 100_000)
        {
            failures.Add($"{Prefix}BatchSize must be between 1 and 100000; it is {options.BatchSize}.");
        }
    }
}
