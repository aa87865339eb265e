namespace Uni.Authorize.Tests;

public sealed class ValidationTests
{
    public static TheoryData<string?> BadScopes => new()
    {
        (string?)null!,
        "",
        "   ",
        new string('s', 257),
        "scope.camera\u0000",
        "scope.\ncamera",
        "scope.nope",
        "SCOPE.CAMERA",
    };

    [Theory]
    [MemberData(nameof(BadScopes))]
    public async Task TryAuthorizeAsync_BadScope_FailsWithInvalidScopeAndNoPrompt(string? scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope)).Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidScope, outcome.Error!.Code);
        Assert.Equal("authorize:fail invalid scope", outcome.Error.ErrMsg);
        Assert.Equal(0, prompter.Count);
    }

    [Theory]
    [MemberData(nameof(BadScopes))]
    public async Task Authorize_BadScope_GoesToFailNeverThrows(string? scope)
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay);
        AuthorizeError? failed = null;

        await authorizer.Authorize(new AuthorizeCallbackRequest { Scope = scope, Fail = err => failed = err }).Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidScope, failed!.Code);
        Assert.Equal(2, failed.Native["error"]);
    }

    [Theory]
    [InlineData(Platform.WeChat, "scope.calendar")]
    [InlineData(Platform.Baidu, "scope.userLocationBackground")]
    [InlineData(Platform.ByteDance, "auth_base")]
    [InlineData(Platform.Alipay, "scope.record")]
    [InlineData(Platform.Kuaishou, "scope.werun")]
    public async Task TryAuthorizeAsync_ScopeOfAnotherPlatform_FailsUnsupportedNeverSubstitutes(Platform platform, string scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(platform, prompter);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope)).Guarded();

        Assert.Equal(AuthorizeErrorCode.UnsupportedScope, outcome.Error!.Code);
        Assert.Contains(platform.ToString(), outcome.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task Authorize_WebPlatform_FailsNotSupportedThroughFail()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Web);
        AuthorizeError? failed = null;

        var task = authorizer.Authorize(new AuthorizeCallbackRequest { Scope = "scope.camera", Fail = err => failed = err });
        await task.Guarded();

        Assert.Equal(AuthorizeErrorCode.PlatformNotSupported, failed!.Code);
        Assert.Equal("authorize web not supported", failed.ErrMsg);
        var thrown = await Assert.ThrowsAsync<AuthorizeException>(() => authorizer.AuthorizeAsync("scope.camera").Guarded());
        Assert.Equal(AuthorizeErrorCode.PlatformNotSupported, thrown.Code);
    }

    [Fact]
    public async Task TryAuthorizeAsync_SeveralScopesOnWeChat_FailsInvalidRequest()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(["scope.camera", "scope.record"])).Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidRequest, outcome.Error!.Code);
    }

    [Fact]
    public async Task TryAuthorizeAsync_UnknownPlatformValue_FailsInvalidRequest()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat);

        var outcome = await authorizer.TryAuthorizeAsync(new("scope.camera") { Platform = (Platform)42 }).Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidRequest, outcome.Error!.Code);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        var thrown = Assert.Throws<InvalidOperationException>(() =>
            new Authorizer(new UniAuthorizeOptions { PromptTimeout = TimeSpan.Zero }));
        Assert.Contains("PromptTimeout", thrown.Message, StringComparison.Ordinal);
    }
}
