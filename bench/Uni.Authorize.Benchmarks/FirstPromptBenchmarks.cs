using BenchmarkDotNet.Attributes;

namespace Uni.Authorize.Benchmarks;

/// <summary>1,000 concurrent first-time calls for one scope: one dialog, one outcome shared by all.</summary>
[MemoryDiagnoser]
public class FirstPromptBenchmarks
{
    private const int Callers = 1000;
    private readonly Task<AuthorizeOutcome>[] _calls = new Task<AuthorizeOutcome>[Callers];

    [Benchmark(OperationsPerInvoke = Callers, Description = "1,000 concurrent first calls, one prompt (per call)")]
    public async Task ConcurrentFirstCalls()
    {
        var prompter = new CountingPrompter();
        using var authorizer = new Authorizer(new UniAuthorizeOptions { Platform = Platform.WeChat, Prompter = prompter });
        for (var i = 0; i < Callers; i++)
        {
            _calls[i] = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask();
        }

        prompter.Release();
        foreach (var call in _calls)
        {
            if (!(await call).Succeeded)
            {
                throw new InvalidOperationException("A caller was not granted.");
            }
        }

        if (prompter.Shown != 1)
        {
            throw new InvalidOperationException($"{prompter.Shown} dialogs were shown for one scope.");
        }
    }

    private sealed class CountingPrompter : IAuthorizationPrompter
    {
        private readonly TaskCompletionSource<PromptResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Shown { get; private set; }

        public void Release() => _answer.TrySetResult(PromptResult.Allow);

        public ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
        {
            Shown++;
            return new(_answer.Task);
        }
    }
}
