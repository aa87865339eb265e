namespace Uni.Authorize.Host;

/// <summary>Runs <see cref="DemoSeeder"/> at start-up without making start-up depend on the store: one attempt before
/// the server listens, then, while the store cannot be reached, retries in the background (1 s, doubling to 10 s)
/// until it succeeds or the host stops.</summary>
internal sealed partial class DemoSeeding(IServiceProvider services, string dataDirectory, TimeProvider time, ILogger<DemoSeeding> logger)
    : IHostedService, IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private Task _retries = Task.CompletedTask;
    private bool _disposed;

    /// <summary>Whether this start created the demo apps (and wrote their secrets file).</summary>
    public bool CreatedNow { get; private set; }

    /// <summary>Whether seeding has finished: done now or found done before.</summary>
    public bool Done { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await TryAsync(FirstRetryDelay, cancellationToken).ConfigureAwait(false))
        {
            _retries = RetryAsync(_stop.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host disposed before it stopped (a test host's second disposal) has nothing left to stop.
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _retries.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _stop.Dispose();
    }

    private async Task RetryAsync(CancellationToken stop)
    {
        var delay = FirstRetryDelay;
        try
        {
            while (true)
            {
                await Task.Delay(delay, time, stop).ConfigureAwait(false);
                var next = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
                if (await TryAsync(next, stop).ConfigureAwait(false))
                {
                    return;
                }

                delay = next;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> TryAsync(TimeSpan retryIn, CancellationToken cancellationToken)
    {
        try
        {
            CreatedNow = await DemoSeeder.SeedAsync(services, dataDirectory, cancellationToken).ConfigureAwait(false);
            Done = true;
            if (CreatedNow)
            {
                DemoAppsCreated(logger, Path.GetFullPath(Path.Combine(dataDirectory, "demo-apps.json")));
            }

            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The message only: a store outage is expected here and needs no stack trace.
            SeedingFailed(logger, retryIn.TotalSeconds, ex.GetType().Name, ex.Message);
            return false;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Demo seeding could not reach the store; retrying in {Seconds} s ({ErrorType}: {ErrorMessage})")]
    private static partial void SeedingFailed(ILogger logger, double seconds, string errorType, string errorMessage);

    [LoggerMessage(2, LogLevel.Information, "Demo apps created; their secrets are in {File}")]
    private static partial void DemoAppsCreated(ILogger logger, string file);
}
