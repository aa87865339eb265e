namespace Uni.Authorize.AspNetCore;

/// <summary>Settings of webhook delivery: how often the outbox is read, how failed deliveries are retried, and which URLs
/// an app may register.</summary>
public sealed class UniAuthorizeWebhookOptions
{
    /// <summary>Whether this instance delivers (every instance still accepts registrations and writes events). Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The time between reads of an empty outbox. Default 2 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the delivering instance holds its lease without renewing it; another instance takes over after
    /// that. Default 30 seconds.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most events read per round. Default 100.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>How long one delivery may take before it counts as failed. Default 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after the first failed attempt; each further failure doubles it (with ±20 % jitter). Default 5 seconds.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts. Default 1 hour.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The attempts after which an event is dropped (and logged). Default 20 (about a day with the default delays).</summary>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Whether an app may register a plain <c>http</c> URL to a loopback address (for tests and local development).
    /// Default <see langword="false"/>: only <c>https</c>.</summary>
    public bool AllowHttpLoopback { get; set; }

    /// <summary>Internal networks webhooks may reach, as CIDR blocks (<c>10.1.2.0/24</c>, <c>fd00::/8</c>) or single
    /// addresses. Without an entry, deliveries to loopback, private, link-local, shared (CGNAT), unique-local and other
    /// special-purpose addresses are refused, whatever the URL's spelling and whatever its name resolves to. Default: none.</summary>
    public IList<string> AllowedNetworks { get; } = [];
}

internal sealed class UniAuthorizeWebhookOptionsValidator(string prefix = "UniAuthorizeWebhookOptions.") : OptionsValidator<UniAuthorizeWebhookOptions>(prefix)
{
    public static UniAuthorizeWebhookOptionsValidator Code { get; } = new();

    protected override void Check(UniAuthorizeWebhookOptions o, List<string> failures)
    {
        Require(o.PollInterval >= TimeSpan.FromMilliseconds(10) && o.PollInterval <= TimeSpan.FromMinutes(10), nameof(o.PollInterval), "between 10 ms and 10 minutes", o.PollInterval, failures);
        Require(o.LeaseDuration >= TimeSpan.FromSeconds(1) && o.LeaseDuration <= TimeSpan.FromHours(1), nameof(o.LeaseDuration), "between 1 second and 1 hour", o.LeaseDuration, failures);
        Require(o.BatchSize is >= 1 and <= 10_000, nameof(o.BatchSize), "between 1 and 10000", o.BatchSize, failures);
        Require(o.Timeout >= TimeSpan.FromMilliseconds(100) && o.Timeout < o.LeaseDuration, nameof(o.Timeout), "at least 100 ms and shorter than LeaseDuration", o.Timeout, failures);
        Require(o.FirstRetryDelay >= TimeSpan.FromMilliseconds(1) && o.FirstRetryDelay <= o.MaxRetryDelay, nameof(o.FirstRetryDelay), "at least 1 ms and at most MaxRetryDelay", o.FirstRetryDelay, failures);
        Require(o.MaxRetryDelay <= TimeSpan.FromDays(1), nameof(o.MaxRetryDelay), "at most 1 day", o.MaxRetryDelay, failures);
        Require(o.MaxAttempts is >= 1 and <= 1000, nameof(o.MaxAttempts), "between 1 and 1000", o.MaxAttempts, failures);
        for (var i = 0; i < o.AllowedNetworks.Count; i++)
        {
            Require(WebhookDestinations.TryParseNetwork(o.AllowedNetworks[i], out _), $"{nameof(o.AllowedNetworks)}:{i}",
                "a CIDR block (10.1.2.0/24) or an address", o.AllowedNetworks[i] ?? "null", failures);
        }
    }

    private void Require(bool valid, string name, string range, object value, List<string> failures)
    {
        if (!valid)
        {
            failures.Add($"{Prefix}{name} must be {range}; it is {value}.");
        }
    }
}
