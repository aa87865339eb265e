using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Uni.Authorize;

/// <summary>Runs every <see cref="IHousekeepingTask"/> each <see cref="HousekeepingOptions.Interval"/>, in batches of
/// <see cref="HousekeepingOptions.BatchSize"/>, while holding the <see cref="IHousekeepingLock"/>. A failing task is
/// logged and the next one runs; a failing round is logged and the next round runs.</summary>
internal sealed class HousekeepingService : BackgroundService
{
    private readonly IHousekeepingTask[] _tasks;
    private readonly IHousekeepingLock _lock;
    private readonly HousekeepingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthorizeTelemetry _telemetry;
    private PeriodicTimer? _timer;

    public HousekeepingService(
        IEnumerable<IHousekeepingTask> tasks,
        IHousekeepingLock housekeepingLock,
        IOptions<HousekeepingOptions> options,
        TimeProvider time,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        _tasks = [.. tasks];
        _lock = housekeepingLock;
        _options = options.Value;
        _time = time;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Uni.Authorize.Housekeeping");
        _telemetry = new AuthorizeTelemetry(meterFactory, this);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Armed here, not in ExecuteAsync (which runs later on the thread pool): the first round is due one interval
        // after start, as measured by the injected clock.
        if (_options.Enabled)
        {
            _timer ??= new PeriodicTimer(_options.Interval, _time);
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        base.Dispose();
        _timer?.Dispose();
        _telemetry.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is not { } timer)
        {
            Log.HousekeepingDisabled(_logger);
            return;
        }

        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunRoundAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One round: every task, batch after batch, under the lock. Never throws but for cancellation.</summary>
    internal async Task RunRoundAsync(CancellationToken cancellationToken)
    {
        IAsyncDisposable? lease;
        try
        {
            lease = await _lock.TryAcquireAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.HousekeepingLockFailed(_logger, ex);
            _telemetry.HousekeepingRounds.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            return;
        }

        if (lease is null)
        {
            Log.HousekeepingSkipped(_logger);
            _telemetry.HousekeepingRounds.Add(1, new KeyValuePair<string, object?>("outcome", "skipped"));
            return;
        }

        var failed = false;
        try
        {
            var now = _time.GetUtcNow();
            foreach (var task in _tasks)
            {
                failed |= !await PruneAsync(task, now, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            try
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.HousekeepingLockFailed(_logger, ex);
            }
        }

        _telemetry.HousekeepingRounds.Add(1, new KeyValuePair<string, object?>("outcome", failed ? "failed" : "completed"));
    }

    private async Task<bool> PruneAsync(IHousekeepingTask task, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var batchSize = _options.BatchSize;
        var total = 0;
        try
        {
            while (true)
            {
                var pruned = await task.PruneAsync(now, batchSize, cancellationToken).ConfigureAwait(false);
                if (pruned > 0)
                {
                    total += pruned;
                    _telemetry.Pruned.Add(pruned, new KeyValuePair<string, object?>("kind", task.Name));
                }

                if (pruned < batchSize)
                {
                    break;
                }

                // Each batch is its own short delete: let other work in between.
                await Task.Yield();
            }

            if (total > 0)
            {
                Log.Pruned(_logger, task.Name, total);
            }

            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.HousekeepingTaskFailed(_logger, task.Name, total, ex);
            return false;
        }
    }
}
