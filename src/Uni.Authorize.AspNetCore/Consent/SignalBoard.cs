using System.Collections.Concurrent;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// Wakes the waiters a signal concerns, and only them: a consent's waiters when it changes, a user's consent lists when
/// one of their consents changes, a call's pollers when it finishes. Each key has one task per generation, shared by
/// all its waiters; a waiter takes the task before it looks at the store, so a change made after the look still
/// wakes it. A key nobody signals any more (its waiters gave up) is swept after a while.
/// </summary>
internal sealed class SignalBoard
{
    private static readonly long SweepAfterMilliseconds = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;
    private readonly ConcurrentDictionary<string, Generation> _next = new(StringComparer.Ordinal);
    private long _lastSweep = Environment.TickCount64;

    public static string Consent(string id) => "consent:" + id;

    public static string User(string userId) => "user:" + userId;

    public static string Call(string id) => "call:" + id;

    /// <summary>Completes at the next signal for <paramref name="key"/>.</summary>
    public Task NextAsync(string key)
    {
        SweepNowAndThen();
        return _next.GetOrAdd(key, static _ => new Generation()).Completion.Task;
    }

    public void Raise(ConsentSignal signal)
    {
        switch (signal.Kind)
        {
            case ConsentSignalKind.ConsentChanged:
                Complete(Consent(signal.Id));
                if (signal.UserId is { } userId)
                {
                    Complete(User(userId));
                }

                break;
            case ConsentSignalKind.CallFinished:
                Complete(Call(signal.Id));
                break;
        }
    }

    private void Complete(string key)
    {
        if (_next.TryRemove(key, out var generation))
        {
            generation.Completion.TrySetResult();
        }
    }

    // Waking a forgotten key's waiters early is harmless: every waiter looks at the store again when woken.
    private void SweepNowAndThen()
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < SweepAfterMilliseconds || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (key, generation) in _next)
        {
            if (now - generation.CreatedAt > SweepAfterMilliseconds)
            {
                Complete(key);
            }
        }
    }

    private sealed class Generation
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long CreatedAt { get; } = Environment.TickCount64;
    }
}
