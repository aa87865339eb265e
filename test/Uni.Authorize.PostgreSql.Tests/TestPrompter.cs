namespace Uni.Authorize.PostgreSql.Tests;

/// <summary>Stands in for the user: answers every dialog with <see cref="Answer"/>, after <see cref="Gate"/> when set.</summary>
internal sealed class TestPrompter(PromptResult answer) : IAuthorizationPrompter
{
    private int _shown;

    public PromptResult Answer { get; set; } = answer;

    /// <summary>Completes when a dialog is shown.</summary>
    public TaskCompletionSource Shown { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, dialogs wait for it before answering.</summary>
    public Task? Gate { get; set; }

    public int ShownCount => Volatile.Read(ref _shown);

    public async ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _shown);
        Shown.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }

        return Answer;
    }
}
