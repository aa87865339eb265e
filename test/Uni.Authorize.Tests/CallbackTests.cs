namespace Uni.Authorize.Tests;

public sealed class CallbackTests
{
    [Fact]
    public async Task Authorize_Granted_CallsSuccessThenCompleteOnce()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));
        var calls = new List<string>();
        AuthorizeResult? received = null;

        await authorizer.Authorize(new AuthorizeCallbackRequest
        {
            Scope = "scope.userLocation",
            Success = res => { calls.Add("success"); received = res; },
            Fail = _ => calls.Add("fail"),
            Complete = outcome => calls.Add(outcome.Succeeded ? "complete:ok" : "complete:fail"),
        }).Guarded();

        Assert.Equal(["success", "complete:ok"], calls);
        Assert.Equal("authorize:ok", received!.ErrMsg);
    }

    [Fact]
    public async Task Authorize_Denied_CallsFailThenCompleteWithTheSameError()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Baidu, new ScriptedPrompter(PromptResult.Deny));
        var calls = new List<string>();
        AuthorizeError? failed = null;
        AuthorizeError? completed = null;

        await authorizer.Authorize(new AuthorizeCallbackRequest
        {
            Scope = "scope.camera",
            Success = _ => calls.Add("success"),
            Fail = err => { calls.Add("fail"); failed = err; },
            Complete = outcome => { calls.Add("complete"); completed = outcome.Error; },
        }).Guarded();

        Assert.Equal(["fail", "complete"], calls);
        Assert.Same(failed, completed);
        Assert.Equal(10003, failed!.Native["errCode"]);
    }

    [Fact]
    public async Task AuthorizeAsync_Failure_ThrowsExceptionCarryingTheErrorFailReceives()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Deny));
        AuthorizeError? failed = null;
        await authorizer.Authorize(new AuthorizeCallbackRequest { Scope = "scope.camera", Fail = err => failed = err }).Guarded();

        var thrown = await Assert.ThrowsAsync<AuthorizeException>(() => authorizer.AuthorizeAsync("scope.camera").Guarded());

        Assert.Same(failed, thrown.Error);
    }

    [Fact]
    public async Task TryAuthorizeAsync_Failure_ReturnsErrorWithoutThrowing()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Deny));

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();

        Assert.False(outcome.Succeeded);
        Assert.Null(outcome.Result);
        Assert.Equal(AuthorizeErrorCode.Denied, outcome.Error!.Code);
        Assert.Same(outcome.Error.Native, outcome.Native);
    }

    [Fact]
    public async Task Authorize_SuccessCallbackThrows_CompleteStillRunsTaskFaultsAndGrantStays()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);
        var completed = 0;
        var failCalled = false;

        var task = authorizer.Authorize(new AuthorizeCallbackRequest
        {
            Scope = "scope.camera",
            Success = _ => throw new InvalidOperationException("app bug"),
            Fail = _ => failCalled = true,
            Complete = _ => completed++,
        });

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => task.Guarded());
        Assert.Equal("app bug", thrown.Message);
        Assert.Equal(1, completed);
        Assert.False(failCalled);
        Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded()).Succeeded);
        Assert.Equal(1, prompter.Count);
        Assert.Equal(0, authorizer.PendingPromptCount);
    }

    [Fact]
    public async Task Authorize_FailAndCompleteThrow_TaskFaultsWithBoth()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat);

        var task = authorizer.Authorize(new AuthorizeCallbackRequest
        {
            Scope = "",
            Fail = _ => throw new InvalidOperationException("fail bug"),
            Complete = _ => throw new InvalidOperationException("complete bug"),
        });

        await Assert.ThrowsAnyAsync<Exception>(() => task.Guarded());
        var aggregate = Assert.IsType<AggregateException>(task.Exception!.InnerException);
        Assert.Equal(2, aggregate.InnerExceptions.Count);
    }

    [Fact]
    public async Task Authorize_CallerCancels_FailReceivesCanceledOnce()
    {
        var prompter = new ManualPrompter();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);
        using var cts = new CancellationTokenSource();
        var fails = new List<AuthorizeErrorCode>();
        var completes = 0;

        var task = authorizer.Authorize(new AuthorizeCallbackRequest
        {
            Scope = "scope.camera",
            Fail = err => fails.Add(err.Code),
            Complete = _ => completes++,
            CancellationToken = cts.Token,
        });
        Assert.True(await prompter.Opened.WaitAsync(TestAuthorizer.Guard));
        await cts.CancelAsync();
        await task.Guarded();

        Assert.Equal([AuthorizeErrorCode.Canceled], fails);
        Assert.Equal(1, completes);
    }
}
