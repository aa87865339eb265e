using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task AuthorizeAsync_ManyConcurrentCallsOneScope_ShareOnePromptAndOutcome()
    {
        var prompter = new ManualPrompter();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var calls = Enumerable.Range(0, 200).Select(_ => Task.Run(() => authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask())).ToArray();
        await prompter.AnswerNextAsync(PromptResult.Allow);
        var outcomes = await Task.WhenAll(calls).WaitAsync(TestAuthorizer.Guard);

        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.Equal(1, prompter.Shown);
        Assert.Equal(0, authorizer.PendingPromptCount);
    }

    [Fact]
    public async Task AuthorizeAsync_OneUserTwoScopes_DialogsAreQueued()
    {
        var prompter = new ManualPrompter();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var camera = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask();
        var record = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).AsTask();
        await prompter.AnswerNextAsync(PromptResult.Allow);
        await prompter.AnswerNextAsync(PromptResult.Deny);
        await Task.WhenAll(camera, record).WaitAsync(TestAuthorizer.Guard);

        Assert.Equal(1, prompter.MaxConcurrent);
        Assert.Equal(2, prompter.Shown);
    }

    [Fact]
    public async Task AuthorizeAsync_DifferentUsers_PromptedInParallel()
    {
        var prompter = new ManualPrompter();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var alice = authorizer.TryAuthorizeAsync(new("scope.camera") { Subject = new Subject("app", "alice") }).AsTask();
        var bob = authorizer.TryAuthorizeAsync(new("scope.camera") { Subject = new Subject("app", "bob") }).AsTask();
        Assert.True(await prompter.Opened.WaitAsync(TestAuthorizer.Guard));
        Assert.True(await prompter.Opened.WaitAsync(TestAuthorizer.Guard), "the second user's dialog should open while the first is open");
        prompter.Opened.Release(2);
        await prompter.AnswerNextAsync(PromptResult.Allow);
        await prompter.AnswerNextAsync(PromptResult.Allow);
        await Task.WhenAll(alice, bob).WaitAsync(TestAuthorizer.Guard);

        Assert.Equal(2, prompter.MaxConcurrent);
    }

    [Fact]
    public async Task AuthorizeAsync_OneCallerCancels_OthersStillGetTheAnswer()
    {
        var prompter = new ManualPrompter();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);
        using var cts = new CancellationTokenSource();

        var leaving = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera"), cts.Token).AsTask();
        var staying = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask();
        Assert.True(await prompter.Opened.WaitAsync(TestAuthorizer.Guard));
        prompter.Opened.Release();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving.WaitAsync(TestAuthorizer.Guard));
        await prompter.AnswerNextAsync(PromptResult.Allow);

        Assert.True((await staying.WaitAsync(TestAuthorizer.Guard)).Succeeded);
        Assert.Equal(1, prompter.Shown);
    }

    [Fact]
    public async Task AuthorizeAsync_PromptTimesOut_FailsClosedAndStaysUndetermined()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var prompter = new ManualPrompter();
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, time, store, configure: o => o.PromptTimeout = TimeSpan.FromSeconds(30));

        var call = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask();
        Assert.True(await prompter.Opened.WaitAsync(TestAuthorizer.Guard));
        time.Advance(TimeSpan.FromSeconds(30));
        var outcome = await call.WaitAsync(TestAuthorizer.Guard);

        Assert.Equal(AuthorizeErrorCode.PromptTimedOut, outcome.Error!.Code);
        Assert.Equal("authorize:fail timeout", outcome.Error.ErrMsg);
        Assert.Null(await store.GetAsync(Subject.Default, "scope.camera"));
        Assert.Equal(0, authorizer.PendingPromptCount);
    }

    [Fact]
    public async Task AuthorizeAsync_PrompterIgnoresCancellation_TimeoutStillFailsClosed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var never = new TaskCompletionSource<PromptResult>();
        var opened = new SemaphoreSlim(0);
        var prompter = new ScriptedPrompter((_, _) => { opened.Release(); return new ValueTask<PromptResult>(never.Task); });
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, time);

        var call = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask();
        Assert.True(await opened.WaitAsync(TestAuthorizer.Guard));
        time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(AuthorizeErrorCode.PromptTimedOut, (await call.WaitAsync(TestAuthorizer.Guard)).Error!.Code);
    }

    [Fact]
    public async Task AuthorizeAsync_PrompterThrows_FailsClosedWithPromptFailed()
    {
        var prompter = new ScriptedPrompter((_, _) => throw new InvalidOperationException("dialog crashed"));
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.ByteDance, prompter, store: store);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();

        Assert.Equal(AuthorizeErrorCode.PromptFailed, outcome.Error!.Code);
        Assert.Equal("10204", outcome.Error.Native["errNo"]);
        Assert.Null(await store.GetAsync(Subject.Default, "scope.camera"));
    }

    [Fact]
    public async Task AuthorizeAsync_ThousandsOfCancelledAndFailedCalls_LeaveNoPendingEntry()
    {
        var failing = 0;
        var prompter = new ScriptedPrompter(async (_, token) =>
        {
            if (Interlocked.Increment(ref failing) % 2 == 0)
            {
                throw new InvalidOperationException("dialog crashed");
            }

            await Task.Delay(Timeout.Infinite, token);
            return PromptResult.Allow;
        });
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);
        string[] scopes = ["scope.camera", "scope.record", "scope.userLocation", "scope.writePhotosAlbum"];

        var calls = Enumerable.Range(0, 4000).Select(async i =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(i % 7));
            var request = new AuthorizeRequest(scopes[i % scopes.Length]) { Subject = new Subject("app", $"user{i % 50}") };
            try
            {
                var outcome = await authorizer.TryAuthorizeAsync(request, cts.Token);
                Assert.False(outcome.Succeeded);
            }
            catch (OperationCanceledException)
            {
            }
        });
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (authorizer.PendingPromptCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, authorizer.PendingPromptCount);
        Assert.Empty((await authorizer.GetSettingAsync(new Subject("app", "user1")).Guarded()).AuthSetting);
    }

    [Fact]
    public async Task AuthorizeAsync_ConcurrentFirstWritesOnSharedStore_FirstDecisionWins()
    {
        var store = new InMemoryDecisionStore();
        var allow = new ManualPrompter();
        var deny = new ManualPrompter();
        using var first = TestAuthorizer.Create(Platform.WeChat, allow, store: store);
        using var second = TestAuthorizer.Create(Platform.WeChat, deny, store: store);

        var a = first.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask();
        var b = second.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).AsTask();
        await allow.AnswerNextAsync(PromptResult.Allow);
        var answerA = await a.WaitAsync(TestAuthorizer.Guard);
        await deny.AnswerNextAsync(PromptResult.Deny);
        var answerB = await b.WaitAsync(TestAuthorizer.Guard);

        Assert.True(answerA.Succeeded);
        Assert.True(answerB.Succeeded, "the second engine must reload the first decision instead of overwriting it");
        Assert.Equal(DecisionState.Granted, (await store.GetAsync(Subject.Default, "scope.camera"))!.State);
        Assert.Single(await store.GetAuditAsync(Subject.Default));
    }
}
