namespace Uni.Authorize.Tests;

// WeChat's getPhoneNumber: the user is asked at every call and no answer is kept.
public sealed class EveryCallScopeTests
{
    [Fact]
    public async Task TryAuthorizeApiAsync_PhoneNumberAllowed_AnswersACodeAndAsksAgainNextTime()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var first = await authorizer.TryAuthorizeApiAsync("getPhoneNumber").Guarded();
        var second = await authorizer.TryAuthorizeApiAsync("getPhoneNumber").Guarded();

        Assert.Equal(2, prompter.Count);
        Assert.Equal("getPhoneNumber:ok", first.Result!.Native["errMsg"]);
        var code = Assert.IsType<string>(first.Result.Native["code"]);
        Assert.Equal(code, first.Result.AuthCode);
        Assert.NotEqual(code, second.Result!.AuthCode);
        var settings = await authorizer.GetSettingAsync();
        Assert.DoesNotContain(settings.Decisions, d => d.Scope == "phoneNumber");
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_PhoneNumberRefused_NotKeptSoTheNextCallAsks()
    {
        var answers = new Queue<PromptResult>([PromptResult.Deny, PromptResult.Allow]);
        var prompter = new ScriptedPrompter((_, _) => new ValueTask<PromptResult>(answers.Dequeue()));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var refused = await authorizer.TryAuthorizeApiAsync("getPhoneNumber").Guarded();
        var allowed = await authorizer.TryAuthorizeApiAsync("getPhoneNumber").Guarded();

        Assert.Equal(AuthorizeErrorCode.Denied, refused.Error!.Code);
        Assert.StartsWith("getPhoneNumber:fail", refused.Error.ErrMsg, StringComparison.Ordinal);
        Assert.True(allowed.Succeeded);
        Assert.Equal(2, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeAsync_PhoneNumberScope_InvalidScopeWithoutAsking()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("phoneNumber")).Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidScope, outcome.Error!.Code);
        Assert.Equal(0, prompter.Count);
    }

    [Theory]
    [InlineData(Platform.Alipay)]
    [InlineData(Platform.ByteDance)]
    [InlineData(Platform.Baidu)]
    [InlineData(Platform.Kuaishou)]
    public async Task TryAuthorizeApiAsync_PhoneNumberElsewhere_NotAWeChatScopeThere(Platform platform)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(platform, prompter);

        var outcome = await authorizer.TryAuthorizeApiAsync("getPhoneNumber").Guarded();

        Assert.False(outcome.Succeeded);
        Assert.Equal(0, prompter.Count);
    }
}
