namespace Uni.Authorize.Tests.Caching;

internal sealed class FakeChangeFeed : IDecisionChangeFeed
{
    public bool IsHealthy { get; private set; } = true;

    public event Action<Subject, string>? Changed;

    public event Action<bool>? HealthChanged;

    public void Publish(Subject subject, string scope) => Changed?.Invoke(subject, scope);

    public void SetHealthy(bool healthy)
    {
        IsHealthy = healthy;
        HealthChanged?.Invoke(healthy);
    }
}

/// <summary>Counts reads; a read can be held open to interleave it with writes.</summary>
internal sealed class ObservedDecisionStore(IDecisionStore inner) : IDecisionStore
{
    private TaskCompletionSource? _gate;
    private TaskCompletionSource? _held;

    public int Reads;

    public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void HoldNextRead() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseRead() => _held!.SetResult();

    public ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Reads);
        var read = inner.GetAsync(subject, scope, cancellationToken);
        if (Interlocked.Exchange(ref _gate, null) is not { } gate)
        {
            return read;
        }

        _held = gate;
        ReadStarted.TrySetResult();
        return HeldAsync(read, gate.Task);
    }

    public ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default) => inner.ListAsync(subject, cancellationToken);

    public ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default) => inner.TryWriteAsync(write, cancellationToken);

    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default) => inner.GetAuditAsync(subject, cancellationToken);


    public ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default) => inner.ListUserAsync(userId, cancellationToken);

    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default) => inner.GetUserAuditAsync(userId, cancellationToken);

    public ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default) => inner.EraseUserAsync(userId, cancellationToken);
    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default) => inner.PruneExpiredAsync(now, batchSize, cancellationToken);

    private static async ValueTask<Decision?> HeldAsync(ValueTask<Decision?> read, Task gate)
    {
        var decision = await read;
        await gate;
        return decision;
    }
}
