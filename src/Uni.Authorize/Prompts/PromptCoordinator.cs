namespace Uni.Authorize;

/// <summary>
/// Runs consent rounds: concurrent calls for one subject and scope set share one round (one dialog, one outcome);
/// one user sees one dialog at a time (rounds wait in that user's line); different users are asked in parallel.
/// A round whose every caller stopped waiting is cancelled, and nothing is left behind once a round ends.
/// </summary>
internal sealed class PromptCoordinator
{
    private readonly Lock _gate = new();
    private readonly Dictionary<FlightKey, Flight> _flights = [];
    private readonly Dictionary<string, UserLine> _lines = new(StringComparer.Ordinal);

    /// <summary>Rounds in flight plus user lines held: zero when nothing is pending.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _flights.Count + _lines.Count;
            }
        }
    }

    public async Task<PromptRound> JoinAsync(FlightKey key, Func<CancellationToken, Task<PromptRound>> round, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Flight? flight;
        var started = false;
        lock (_gate)
        {
            if (!_flights.TryGetValue(key, out flight))
            {
                flight = new Flight();
                _flights.Add(key, flight);
                started = true;
            }

            flight.Waiters++;
        }

        if (started)
        {
            _ = RunAsync(key, flight, round);
        }

        try
        {
            return await flight.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            bool abandoned;
            lock (_gate)
            {
                abandoned = --flight.Waiters == 0 && !flight.Completion.Task.IsCompleted;
            }

            if (abandoned)
            {
                flight.Cancellation.Cancel();
            }
        }
    }

    private async Task RunAsync(FlightKey key, Flight flight, Func<CancellationToken, Task<PromptRound>> round)
    {
        var line = EnterLine(key.UserId);
        PromptRound result;
        try
        {
            await line.Turn.WaitAsync(flight.Cancellation.Token).ConfigureAwait(false);
            try
            {
                result = await round(flight.Cancellation.Token).ConfigureAwait(false);
            }
            finally
            {
                line.Turn.Release();
            }
        }
        catch (OperationCanceledException)
        {
            result = PromptRound.Failed(AuthorizeErrorCode.Canceled);
        }
        catch (Exception)
        {
            result = PromptRound.Failed(AuthorizeErrorCode.PromptFailed);
        }

        lock (_gate)
        {
            _flights.Remove(key);
            if (--line.Users == 0)
            {
                _lines.Remove(key.UserId);
            }
        }

        flight.Completion.TrySetResult(result);
    }

    private UserLine EnterLine(string userId)
    {
        lock (_gate)
        {
            if (!_lines.TryGetValue(userId, out var line))
            {
                _lines.Add(userId, line = new UserLine());
            }

            line.Users++;
            return line;
        }
    }

    internal readonly record struct FlightKey(string AppId, string UserId, string Scopes);

    private sealed class Flight
    {
        public readonly TaskCompletionSource<PromptRound> Completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly CancellationTokenSource Cancellation = new();
        public int Waiters;
    }

    private sealed class UserLine
    {
        public readonly SemaphoreSlim Turn = new(1, 1);
        public int Users;
    }
}

/// <summary>The outcome of one consent round: the state of each asked scope afterwards, or why the round failed.</summary>
internal sealed class PromptRound(DecisionState[]? states, AuthorizeErrorCode? error, Refusal[]? refusals = null)
{
    public DecisionState[]? States { get; } = states;

    public AuthorizeErrorCode? Error { get; } = error;

    /// <summary>How each refused scope was refused (Alipay's codes tell them apart); <see langword="null"/>: all before this round.</summary>
    public Refusal[]? Refusals { get; } = refusals;

    public static PromptRound Decided(DecisionState[] states, Refusal[]? refusals = null) => new(states, null, refusals);

    public static PromptRound Failed(AuthorizeErrorCode error) => new(null, error);
}
