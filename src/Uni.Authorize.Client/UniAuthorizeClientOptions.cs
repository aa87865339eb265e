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

    /// <summary>Extra attempts of a safe read (getSetting, polling a pending call) after a transient failure. Default: 3.</summary>
    public int ReadRetries { get; set; } = 3;

    /// <summary>The pause before the first retry, doubled after each. Default: 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The clock for retry pauses. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(SessionToken))
        {
            throw new InvalidOperationException("UniAuthorizeClientOptions.SessionToken is required: the host answers only calls made with a mini-app session.");
        }

        if (PollWait < TimeSpan.Zero || ReadRetries < 0 || RetryDelay < TimeSpan.Zero)
        {
            throw new InvalidOperationException("UniAuthorizeClientOptions.PollWait, ReadRetries and RetryDelay must not be negative.");
        }
    }
}
