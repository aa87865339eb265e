using Microsoft.Extensions.Logging;

namespace Uni.Authorize.Tests;

public sealed class AuthorizerDecisionTests
{
    [Fact]
    public async Task AuthorizeAsync_NotDeterminedThenAllowed_PromptsOnceAndStoresGrant()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);

        var first = await authorizer.AuthorizeAsync("scope.userLocation").Guarded();
        var second = await authorizer.AuthorizeAsync("scope.userLocation").Guarded();

        Assert.Equal("authorize:ok", first.ErrMsg);
        Assert.Same(first, second);
        Assert.Equal(1, prompter.Count);
        var stored = await store.GetAsync(Subject.Default, "scope.userLocation");
        Assert.Equal(DecisionState.Granted, stored!.State);
        Assert.Equal(DecisionSource.Prompt, stored.Source);
    }

    [Fact]
    public async Task AuthorizeAsync_Denied_FailsAtOnceWithoutSecondPrompt()
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var first = await Assert.ThrowsAsync<AuthorizeException>(() => authorizer.AuthorizeAsync("scope.camera").Guarded());
        var second = await Assert.ThrowsAsync<AuthorizeException>(() => authorizer.AuthorizeAsync("scope.camera").Guarded());

        Assert.Equal(AuthorizeErrorCode.Denied, first.Code);
        Assert.Equal(AuthorizeErrorCode.Denied, second.Code);
        Assert.Equal("authorize:fail auth deny", second.Error.ErrMsg);
        Assert.Equal(1, prompter.Count);
    }

    [Fact]
    public async Task AuthorizeAsync_DialogDismissed_StaysNotDeterminedAndAsksAgain()
    {
        var answers = new Queue<PromptResult>([PromptResult.Dismissed, PromptResult.Allow]);
        var prompter = new ScriptedPrompter((_, _) => new(answers.Dequeue()));
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);

        var dismissed = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).Guarded();
        Assert.Equal(AuthorizeErrorCode.Dismissed, dismissed.Error!.Code);
        Assert.Null(await store.GetAsync(Subject.Default, "scope.record"));

        var granted = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).Guarded();
        Assert.True(granted.Succeeded);
        Assert.Equal(2, prompter.Count);
    }

    [Fact]
    public async Task AuthorizeAsync_DecisionsBelongToSubject_OtherAppAndUserAreAskedSeparately()
    {
        var prompter = new ScriptedPrompter((request, _) =>
            new(request.Subject.UserId == "alice" ? PromptResult.Allow : PromptResult.Deny));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);
        var alice = new Subject("app1", "alice");
        var bob = new Subject("app1", "bob");
        var aliceInOtherApp = new Subject("app2", "alice");

        Assert.True((await authorizer.TryAuthorizeAsync(new("scope.camera") { Subject = alice }).Guarded()).Succeeded);
        Assert.False((await authorizer.TryAuthorizeAsync(new("scope.camera") { Subject = bob }).Guarded()).Succeeded);
        Assert.True((await authorizer.TryAuthorizeAsync(new("scope.camera") { Subject = aliceInOtherApp }).Guarded()).Succeeded);
        Assert.Equal(3, prompter.Count);
    }

    [Fact]
    public async Task AuthorizeAsync_NoPrompterConfigured_FailsClosedNamingTheMissingPrompter()
    {
        var lines = new List<string>();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider(lines)));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, configure: o => o.LoggerFactory = factory);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();

        Assert.Equal(AuthorizeErrorCode.PromptFailed, outcome.Error!.Code);
        Assert.Contains("No IAuthorizationPrompter is registered", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("No IAuthorizationPrompter is registered, so scope.camera", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuthorizeAsync_NoPrompterButScopeAlreadyGranted_Succeeds()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat);
        await new DecisionManager(authorizer).SetDecisionAsync(Subject.Default, "scope.camera", DecisionState.Granted).AsTask().Guarded();

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();

        Assert.True(outcome.Succeeded);
    }

    [Fact]
    public async Task AuthorizeAsync_StoreUnavailable_FailsClosedWithoutDialogAndRecovers()
    {
        var store = new BreakableStore { Broken = true };
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);

        var down = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();
        Assert.Equal(AuthorizeErrorCode.StoreUnavailable, down.Error!.Code);
        Assert.Equal("authorize:fail system error", down.Error.ErrMsg);
        Assert.Equal(0, prompter.Count);

        store.Broken = false;
        Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded()).Succeeded);
    }

    [Fact]
    public async Task AuthorizeAsync_InvalidSubject_FailsWithInvalidRequest()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));

        var outcome = await authorizer.TryAuthorizeAsync(new("scope.camera") { Subject = new Subject("app", "bad\nuser") }).Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidRequest, outcome.Error!.Code);
    }
}
