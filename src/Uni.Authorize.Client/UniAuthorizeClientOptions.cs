namespace Uni.Authorize.Client;

/// <summary>Configures a <see cref="UniAuthorizeClient"/>.</summary>
public sealed class UniAuthorizeClientOptions
{
    /// <summary>The host's address (for example <c>http://127.0.0.1:5080</c>); unset keeps the <see cref="HttpClient"/>'s.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The mini-app session token (<c>st_…</c>) the calls act with.</summary>
    public string? SessionToken { get; set; }

    /// <summary>How long one long-polling request waits on the host (whole seconds, at most the host's maximum). Default: 25 seconds.</summary>
    public TimeSpan PollWait { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Extra attempts of a safe read (getSetting, polling a pending call) after a transient failure, made by the
    /// standard resilience handler <c>AddUniAuthorizeClient</c> adds (0: none). Default: 3.</summary>
    public int ReadRetries { get; set; } = 3;

    /// <summary>The pause before the first retry, doubled (with jitter) after each. Default: 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
}

internal sealed class UniAuthorizeClientOptionsValidator(string prefix = "UniAuthorizeClientOptions.") : OptionsValidator<UniAuthorizeClientOptions>(prefix)
{
    public static UniAuthorizeClientOptionsValidator Code { get; } = new();

    protected override void Check(UniAuthorizeClientOptions options, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(options.SessionToken))
        {
            failures.Add($"{Prefix}SessionToken is required: the host answers only calls made with a mini-app session.");
        }

        if (options.PollWait < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}PollWait must not be negative; it is {options.PollWait}.");
        }

        if (options.ReadRetries < 0)
        {
            failures.Add($"{Prefix}ReadRetries must not be negative; it is {options.ReadRetries}.");
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}RetryDelay must not be negative; it is {options.RetryDelay}.");
        }
    }
}
