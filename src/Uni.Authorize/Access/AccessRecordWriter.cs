using Microsoft.Extensions.Hosting;

namespace Uni.Authorize;

/// <summary>Empties the <see cref="AccessRecorder"/> into its store every <see cref="AccessReportOptions.FlushInterval"/>,
/// and once more when the host stops, so that the gate never writes itself.</summary>
internal sealed class AccessRecordWriter(AccessRecorder recorder, TimeSpan interval) : BackgroundService
{
    private PeriodicTimer? _timer;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Armed here so the first write is due one interval after start, by the injected clock.
        _timer ??= new PeriodicTimer(interval, recorder.Time);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await recorder.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        base.Dispose();
        _timer?.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer!.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await recorder.FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }
}

/// <summary>Access records older than the retention.</summary>
internal sealed class AccessRecordsHousekeepingTask(AccessRecorder recorder) : IHousekeepingTask
{
    public string Name => "access_records";

    public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        recorder.Store.PruneAsync(now - recorder.Retention, batchSize, cancellationToken);
}
