namespace Uni.Authorize.Tests;

public sealed class ApiGateTests
{
    [Fact]
    public async Task TryAuthorizeApiAsync_Denied_UsesApiLevelMessage()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Deny));

        var outcome = await authorizer.TryAuthorizeApiAsync("getLocation").Guarded();

        Assert.Equal("getLocation:fail auth deny", outcome.Error!.ErrMsg);
        Assert.Equal("getLocation:fail auth deny", outcome.Error.Native["errMsg"]);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_ScopeGranted_EveryApiOfItPassesWithoutPrompt()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var first = await authorizer.TryAuthorizeApiAsync("scanCode").Guarded();
        var second = await authorizer.TryAuthorizeApiAsync("chooseImage").Guarded();
        var third = await authorizer.TryAuthorizeApiAsync("chooseVideo").Guarded();
        var direct = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();

        Assert.Equal(1, prompter.Count);
        Assert.Equal("scanCode:ok", first.Result!.ErrMsg);
        Assert.Equal("chooseImage:ok", second.Result!.ErrMsg);
        Assert.Equal("chooseVideo:ok", third.Result!.ErrMsg);
        Assert.True(direct.Succeeded);
        Assert.Equal("scope.camera", Assert.Single(prompter.Shown).Scopes[0].Name);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_UnknownApi_InvalidRequest()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));

        var outcome = await authorizer.TryAuthorizeApiAsync("launchMissiles").Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidRequest, outcome.Error!.Code);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_ApiOfUnsupportedScope_Unsupported()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));

        var outcome = await authorizer.TryAuthorizeApiAsync("addEventOnCalendar").Guarded();

        Assert.Equal(AuthorizeErrorCode.UnsupportedScope, outcome.Error!.Code);
    }
}
