namespace Uni.Authorize.Tests;

public sealed class PrivacyAndPluginTests
{
    [Fact]
    public async Task TryAuthorizeAsync_PrivacyContractNotAgreed_Errno104WithoutScopeDialog()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocation") { RequiresPrivacyAgreement = true }).Guarded();

        Assert.Equal(AuthorizeErrorCode.PrivacyNotAuthorized, outcome.Error!.Code);
        Assert.Equal(104, outcome.Error.Native["errno"]);
        Assert.Equal("authorize:fail privacy permission is not authorized", outcome.Error.Native["errMsg"]);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task RequirePrivacyAuthorizeAsync_UserAgrees_ScopesThenWorkAndAgreementIsAuditedAndShown()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store, settings: new ScriptedSettingsPage());

        var agreed = await authorizer.RequirePrivacyAuthorizeAsync().Guarded();
        var again = await authorizer.RequirePrivacyAuthorizeAsync().Guarded();
        var scope = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocation") { RequiresPrivacyAgreement = true }).Guarded();

        Assert.Equal("requirePrivacyAuthorize:ok", agreed.Result!.ErrMsg);
        Assert.True(again.Succeeded);
        Assert.True(scope.Succeeded);
        Assert.Equal(["privacy", "scope.userLocation"], prompter.Shown.Select(p => p.Scopes[0].Name));
        Assert.Equal(DecisionState.Granted, await authorizer.GetPrivacyAgreementAsync().Guarded());
        Assert.Contains(await store.GetAuditAsync(Subject.Default), a => a.Scope == "privacy" && a.To == DecisionState.Granted);
        Assert.Contains(await authorizer.GetSettingsEntriesAsync().Guarded(), e => e.Key == "privacy" && e.State == DecisionState.Granted);
        Assert.DoesNotContain("privacy", (await authorizer.GetSettingAsync().Guarded()).AuthSetting.Keys);
    }

    [Fact]
    public async Task RequirePrivacyAuthorizeAsync_UserRefuses_Errno104AndAskedAgainNextTime()
    {
        var answers = new Queue<PromptResult>([PromptResult.Deny, PromptResult.Allow]);
        var prompter = new ScriptedPrompter((_, _) => new(answers.Dequeue()));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var refused = await authorizer.RequirePrivacyAuthorizeAsync().Guarded();
        var agreed = await authorizer.RequirePrivacyAuthorizeAsync().Guarded();

        Assert.Equal(104, refused.Error!.Native["errno"]);
        Assert.True(agreed.Succeeded);
        Assert.Equal(2, prompter.Count);
    }

    [Fact]
    public async Task SetDecisionAsync_PrivacyRevokedInSettings_ScopesFailAgain()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));
        await authorizer.RequirePrivacyAuthorizeAsync().Guarded();
        await authorizer.AuthorizeAsync(new AuthorizeRequest("scope.camera") { RequiresPrivacyAgreement = true }).Guarded();

        await new DecisionManager(authorizer).SetDecisionAsync(Subject.Default, "privacy", DecisionState.Denied, DecisionSource.Settings).Guarded();

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { RequiresPrivacyAgreement = true }).Guarded();
        Assert.Equal(AuthorizeErrorCode.PrivacyNotAuthorized, outcome.Error!.Code);
    }

    [Fact]
    public async Task RequirePrivacyAuthorizeAsync_NotWeChat_Unsupported()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Baidu, new ScriptedPrompter(PromptResult.Allow));

        var outcome = await authorizer.RequirePrivacyAuthorizeAsync().Guarded();

        Assert.Equal(AuthorizeErrorCode.UnsupportedScope, outcome.Error!.Code);
    }

    [Theory]
    [InlineData("scope.record")]
    [InlineData("scope.writePhotosAlbum")]
    [InlineData("scope.camera")]
    public async Task TryAuthorizeForMiniProgramAsync_AllowedScope_DecisionBelongsToHostApp(string scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);
        var hostApp = new Subject("host-app", "alice");

        var outcome = await authorizer.TryAuthorizeForMiniProgramAsync(new AuthorizeRequest(scope) { Subject = hostApp }).Guarded();
        var direct = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope) { Subject = hostApp }).Guarded();

        Assert.Equal("authorizeForMiniProgram:ok", outcome.Result!.ErrMsg);
        Assert.True(direct.Succeeded);
        Assert.Equal(1, prompter.Count);
    }

    [Theory]
    [InlineData("scope.userLocation")]
    [InlineData("scope.userInfo")]
    public async Task TryAuthorizeForMiniProgramAsync_OtherScope_FailsWithNativeMessage(string scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var outcome = await authorizer.TryAuthorizeForMiniProgramAsync(new AuthorizeRequest(scope)).Guarded();

        Assert.Equal(AuthorizeErrorCode.NotSupportedByPlugin, outcome.Error!.Code);
        Assert.Equal($"authorizeForMiniProgram:fail scope \"{scope}\" is not supported to be authorized by plugin", outcome.Error.ErrMsg);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_PrivacyContractNotAgreed_ApiLevelErrno104()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var refused = await authorizer.TryAuthorizeApiAsync("getLocation", requiresPrivacyAgreement: true).Guarded();
        await authorizer.RequirePrivacyAuthorizeAsync().Guarded();
        var allowed = await authorizer.TryAuthorizeApiAsync("getLocation", requiresPrivacyAgreement: true).Guarded();

        Assert.Equal("getLocation:fail privacy permission is not authorized", refused.Error!.ErrMsg);
        Assert.Equal(104, refused.Error.Native["errno"]);
        Assert.Equal("getLocation:ok", allowed.Result!.ErrMsg);
    }
}
