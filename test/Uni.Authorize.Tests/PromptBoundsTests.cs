using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests;

/// <summary>What a caller can rely on around a dialog: a cancelled call asks nothing, every wait is bounded by the
/// caller's own timeout, and a prompter's answers count whichever scope names it uses.</summary>
public sealed class PromptBoundsTests
{
    private static readonly Subject Alice = new("app-1", "alice");

    [Fact]
    public async Task AuthorizeAsync_TokenAlreadyCancelled_ThrowsBeforeAnyDialogAndStoresNothing()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            authorizer.AuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, cancelled.Token).AsTask().WaitAsync(TestAuthorizer.Guard));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, cancelled.Token).AsTask().WaitAsync(TestAuthorizer.Guard));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            authorizer.TryAuthorizeApiAsync("scanCode", Alice, cancellationToken: cancelled.Token).AsTask().WaitAsync(TestAuthorizer.Guard));

        Assert.Equal(0, prompter.Count);
        Assert.Null(await store.GetAsync(Alice, "scope.camera"));
    }

    [Fact]
    public async Task Authorize_CallbackFormWithCancelledToken_FailsAsCanceledWithoutDialog()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        AuthorizeError? failed = null;

        await authorizer.Authorize(new AuthorizeCallbackRequest { Scope = "scope.camera", Fail = e => failed = e, CancellationToken = cancelled.Token })
            .WaitAsync(TestAuthorizer.Guard);

        Assert.Equal(AuthorizeErrorCode.Canceled, failed?.Code);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task AuthorizeAsync_GrantedScopeWithCancelledToken_Throws()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));
        await authorizer.AuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).Guarded();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            authorizer.AuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, cancelled.Token).AsTask().WaitAsync(TestAuthorizer.Guard));
    }

    [Fact]
    public async Task TryAuthorizeAsync_QueuedBehindAnotherDialog_FailsAfterItsOwnTimeout()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var timeout = TimeSpan.FromMinutes(2);
        var prompter = new ManualPrompter();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, time, configure: o => o.PromptTimeout = timeout);

        var first = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).AsTask();
        Assert.True(await prompter.Opened.WaitAsync(TestAuthorizer.Guard), "The first dialog was not shown.");
        time.Advance(timeout / 2);
        var queued = authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record") { Subject = Alice }).AsTask();

        // The first dialog times out; the queued call's dialog opens with half of its own time left.
        time.Advance(timeout / 2);
        Assert.Equal(AuthorizeErrorCode.PromptTimedOut, (await first.WaitAsync(TestAuthorizer.Guard)).Error?.Code);
        Assert.True(await prompter.Opened.WaitAsync(TestAuthorizer.Guard), "The queued dialog was not shown.");
        Assert.False(queued.IsCompleted);

        time.Advance(timeout / 2);
        var outcome = await queued.WaitAsync(TestAuthorizer.Guard);

        Assert.Equal(AuthorizeErrorCode.PromptTimedOut, outcome.Error?.Code);
        Assert.Equal(0, authorizer.PendingPromptCount);
    }

    [Theory]
    [InlineData(Platform.Alipay, "auth_user", "scope.userInfo")]
    [InlineData(Platform.ByteDance, "scope.album", "scope.writePhotosAlbum")]
    [InlineData(Platform.ByteDance, "scope.writePhotosAlbum", "scope.writePhotosAlbum")]
    public async Task TryAuthorizeAsync_AnswerKeyedByPlatformName_CountsForTheCanonicalScope(Platform platform, string key, string canonical)
    {
        var prompter = new ScriptedPrompter(PromptResult.PerScope(new Dictionary<string, PromptAnswer> { [key] = PromptAnswer.Allow }));
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(platform, prompter, store: store);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(key) { Subject = Alice }).Guarded();

        Assert.True(outcome.Succeeded, outcome.Error?.ToString());
        Assert.Equal(DecisionState.Granted, (await store.GetAsync(Alice, canonical))?.State);
    }

    [Fact]
    public void PerScope_KeyNamingNoScope_ThrowsNamingTheKey()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            PromptResult.PerScope(new Dictionary<string, PromptAnswer> { ["scope.cmaera"] = PromptAnswer.Allow }));

        Assert.Contains("\"scope.cmaera\"", ex.Message, StringComparison.Ordinal);
        Assert.Equal("answers", ex.ParamName);
    }

    [Fact]
    public async Task TryAuthorizeAsync_AnswerKeyedByAnotherPlatformsName_FailsAsPromptFailedNotDismissed()
    {
        // auth_user is Alipay's name; on WeChat the answer names no scope of the dialog's platform.
        var prompter = new ScriptedPrompter(PromptResult.PerScope(new Dictionary<string, PromptAnswer> { ["auth_user"] = PromptAnswer.Allow }));
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record") { Subject = Alice }).Guarded();

        Assert.Equal(AuthorizeErrorCode.PromptFailed, outcome.Error?.Code);
        Assert.Null(await store.GetAsync(Alice, "scope.record"));
    }
}
