namespace Uni.Authorize;

/// <summary>Settings of the access report: how uses of gated APIs are buffered, written and kept.</summary>
public sealed class AccessReportOptions
{
    /// <summary>Whether uses are recorded. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long records are kept; housekeeping prunes older ones. Default 30 days.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How many uses the buffer holds between writes; further uses are dropped and counted
    /// (<c>uni.authorize.access.dropped</c>). Rounded up to a power of two. Default 65536.</summary>
    public int BufferCapacity { get; set; } = 65_536;

    /// <summary>How often the background writer empties the buffer. Default 1 second.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most records one write appends. Default 1000.</summary>
    public int BatchSize { get; set; } = 1000;
}

internal sealed class AccessReportOptionsValidator(string prefix = "AccessReportOptions.") : OptionsValidator<AccessReportOptions>(prefix)
{
    protected override void Check(AccessReportOptions options, List<string> failures)
    {
        if (options.Retention < TimeSpan.FromHours(1) || options.Retention > TimeSpan.FromDays(3650))
        {
            failures.Add($"{Prefix}Retention must be between 1 hour and 3650 days; it is {options.Retention}.");
        }

        if (options.BufferCapacity is < 16 or > 1 << 24)
        {
            failures.Add($"{Prefix}BufferCapacity must be between 16 and 16777216; it is {options.BufferCapacity}.");
        }

        if (options.FlushInterval < TimeSpan.FromMilliseconds(10) || options.FlushInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Prefix}FlushInterval must be between 10 milliseconds and 1 minute; it is {options.FlushInterval}.");
        }

        if (options.BatchSize is < 1 or > 100_000)
        {
            failures.Add($"{Prefix}BatchSize must be between 1 and 100000; it is {options.BatchSize}.");
        }
    }
}
