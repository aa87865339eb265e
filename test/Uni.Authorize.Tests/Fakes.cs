using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests;

/// <summary>A prompter whose answers the test scripts; it records every dialog shown.</summary>
internal sealed class ScriptedPrompter : IAuthorizationPrompter
{
    private readonly Func<PromptRequest, CancellationToken, ValueTask<PromptResult>> _answer;

    public ScriptedPrompter(PromptResult answer) : this((_, _) => new ValueTask<PromptResult>(answer))
    {
    }

    public ScriptedPrompter(Func<PromptRequest, CancellationToken, ValueTask<PromptResult>> answer) => _answer = answer;

    public ConcurrentQueue<PromptRequest> Shown { get; } = new();

    public int Count => Shown.Count;

    public ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        Shown.Enqueue(request);
        return _answer(request, cancellationToken);
    }
}

/// <summary>A prompter the test answers by hand, one dialog at a time.</summary>
internal sealed class ManualPrompter : IAuthorizationPrompter
{
    private readonly ConcurrentQueue<(PromptRequest Request, TaskCompletionSource<PromptResult> Answer)> _open = new();
    private int _shown;
    private int _concurrent;
    private int _maxConcurrent;

    public int Shown => Volatile.Read(ref _shown);

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public SemaphoreSlim Opened { get; } = new(0);

    public async ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _shown);
        var now = Interlocked.Increment(ref _concurrent);
        int max;
        while (now > (max = Volatile.Read(ref _maxConcurrent)) && Interlocked.CompareExchange(ref _maxConcurrent, now, max) != max)
        {
        }

        var answer = new TaskCompletionSource<PromptResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _open.Enqueue((request, answer));
        Opened.Release();
        try
        {
            return await answer.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _concurrent);
        }
    }

    public async Task<PromptRequest> AnswerNextAsync(PromptResult result)
    {
        Assert.True(await Opened.WaitAsync(TimeSpan.FromSeconds(10)), "No dialog was opened.");
        Assert.True(_open.TryDequeue(out var open));
        open.Answer.TrySetResult(result);
        return open.Request;
    }
}

internal sealed class ScriptedSettingsPage(params SettingChange[] changes) : ISettingsPresenter
{
    public SettingsView? Shown { get; private set; }

    public ValueTask<IReadOnlyList<SettingChange>> PresentAsync(SettingsView view, CancellationToken cancellationToken)
    {
        Shown = view;
        return new(changes);
    }
}

/// <summary>A store that fails every call while <see cref="Broken"/> is set.</summary>
internal sealed class BreakableStore : IDecisionStore
{
    private readonly InMemoryDecisionStore _inner = new();

    public bool Broken { get; set; }

    public ValueTask<Decision?> GetAsync(Subject subject, string scope, CancellationToken cancellationToken = default) =>
        Broken ? throw new IOException("disk gone") : _inner.GetAsync(subject, scope, cancellationToken);

    public ValueTask<IReadOnlyList<Decision>> ListAsync(Subject subject, CancellationToken cancellationToken = default) =>
        Broken ? throw new IOException("disk gone") : _inner.ListAsync(subject, cancellationToken);

    public ValueTask<DecisionWriteResult> TryWriteAsync(DecisionWrite write, CancellationToken cancellationToken = default) =>
        Broken ? throw new IOException("disk gone") : _inner.TryWriteAsync(write, cancellationToken);

    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetAuditAsync(Subject subject, CancellationToken cancellationToken = default) =>
        _inner.GetAuditAsync(subject, cancellationToken);


    public ValueTask<IReadOnlyList<Decision>> ListUserAsync(string userId, CancellationToken cancellationToken = default) => _inner.ListUserAsync(userId, cancellationToken);

    public ValueTask<IReadOnlyList<DecisionAuditEntry>> GetUserAuditAsync(string userId, CancellationToken cancellationToken = default) => _inner.GetUserAuditAsync(userId, cancellationToken);

    public ValueTask<DecisionErasure> EraseUserAsync(string userId, CancellationToken cancellationToken = default) => _inner.EraseUserAsync(userId, cancellationToken);
    public ValueTask<int> PruneExpiredAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default) =>
        _inner.PruneExpiredAsync(now, batchSize, cancellationToken);
}

internal static class TestAuthorizer
{
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    public static Authorizer Create(
        Platform platform,
        IAuthorizationPrompter? prompter = null,
        FakeTimeProvider? time = null,
        IDecisionStore? store = null,
        ISettingsPresenter? settings = null,
        Action<UniAuthorizeOptions>? configure = null)
    {
        var options = new UniAuthorizeOptions
        {
            Platform = platform,
            Prompter = prompter,
            TimeProvider = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero)),
            Store = store,
            SettingsPresenter = settings,
        };
        configure?.Invoke(options);
        return new Authorizer(options);
    }

    public static Task<T> Guarded<T>(this ValueTask<T> task) => task.AsTask().WaitAsync(Guard);

    public static Task Guarded(this Task task) => task.WaitAsync(Guard);
}

/// <summary>Collects formatted log lines.</summary>
internal sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

    public void Dispose()
    {
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }
    }
}
