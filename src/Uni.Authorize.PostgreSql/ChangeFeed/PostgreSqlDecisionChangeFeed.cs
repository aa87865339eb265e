using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Uni.Authorize.PostgreSql;

// Listens on the schema's change channel (notified by the decisions trigger in each writing transaction) over one
// dedicated connection. Health turns false the moment that connection fails, a heartbeat catches a silently dead
// link, and the loop reconnects by itself with a capped backoff.
internal sealed class PostgreSqlDecisionChangeFeed : IDecisionChangeFeed, IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    private readonly NpgsqlDataSource _listenerSource;
    private readonly string _listenSql;
    private readonly string _consentChannel;
    private readonly TimeSpan _heartbeat;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _healthy;
    private volatile int _listenerProcessId;
    private int _disposed;

    public PostgreSqlDecisionChangeFeed(PostgreSqlDatabase database, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var options = database.Options;
        var connection = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            // Its own unpooled connection: a LISTEN must not leak into pooled connections, and a dead one must not be reused.
            Pooling = false,
            ApplicationName = "uni-authorize-change-feed",
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(options.ChangeFeedHeartbeat.TotalSeconds)),
        };
        _listenerSource = NpgsqlDataSource.Create(connection);
        _listenSql = $"LISTEN \"{options.ChangeChannel}\"; LISTEN \"{options.ConsentChannel}\"";
        _consentChannel = options.ConsentChannel;
        _heartbeat = options.ChangeFeedHeartbeat;
        _time = time ?? TimeProvider.System;
        _logger = database.LoggerFactory.CreateLogger("Uni.Authorize.PostgreSql.ChangeFeed");
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public bool IsHealthy => _healthy;

    public event Action<Subject, string>? Changed;

    public event Action<bool>? HealthChanged;

    /// <summary>Raised for each consent, call or session change announced on the consent channel.</summary>
    internal event Action<ConsentSignal>? ConsentSignaled;

    /// <summary>The server process of the listening connection while healthy, 0 otherwise.</summary>
    internal int ListenerProcessId => _listenerProcessId;

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
            await _listenerSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var retryDelay = FirstRetryDelay;
        while (!stop.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await _listenerSource.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand(_listenSql, connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                _listenerProcessId = connection.ProcessID;
                SetHealth(true, null);
                retryDelay = FirstRetryDelay;
                while (true)
                {
                    if (!await connection.WaitAsync(_heartbeat, stop).ConfigureAwait(false))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stop).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                SetHealth(false, ex);
            }
            finally
            {
                _listenerProcessId = 0;
                if (connection is not null)
                {
                    connection.Notification -= OnNotification;
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }

            try
            {
                await Task.Delay(retryDelay, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
        }

        SetHealth(false, null);
    }

    private void SetHealth(bool healthy, Exception? failure)
    {
        if (_healthy == healthy)
        {
            return;
        }

        _healthy = healthy;
        if (healthy)
        {
            Log.ChangeFeedListening(_logger);
        }
        else if (failure is not null)
        {
            Log.ChangeFeedLost(_logger, failure);
        }

        try
        {
            HealthChanged?.Invoke(healthy);
        }
        catch (Exception ex)
        {
            Log.ChangeFeedHandlerFailed(_logger, ex);
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == _consentChannel)
        {
            if (ConsentSignals.TryParse(e.Payload, out var signal))
            {
                try
                {
                    ConsentSignaled?.Invoke(signal);
                }
                catch (Exception ex)
                {
                    Log.ChangeFeedHandlerFailed(_logger, ex);
                }
            }
            else
            {
                Log.MalformedNotification(_logger);
            }

            return;
        }

        if (!TryParse(e.Payload, out var subject, out var scope))
        {
            Log.MalformedNotification(_logger);
            return;
        }

        try
        {
            Changed?.Invoke(subject, scope);
        }
        catch (Exception ex)
        {
            Log.ChangeFeedHandlerFailed(_logger, ex);
        }
    }

    // The trigger sends json_build_array(app_id, user_id, scope).
    internal static bool TryParse(string payload, out Subject subject, out string scope)
    {
        subject = default;
        scope = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() != 3
                || root[0].GetString() is not { } appId || root[1].GetString() is not { } userId || root[2].GetString() is not { } changedScope)
            {
                return false;
            }

            subject = new Subject(appId, userId);
            scope = changedScope;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
