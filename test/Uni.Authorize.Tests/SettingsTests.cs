namespace Uni.Authorize.Tests;

public sealed class SettingsTests
{
    [Fact]
    public async Task GetSettingAsync_DecidedScopes_ShownWithScopeKeys()
    {
        var answers = new Queue<PromptResult>([PromptResult.Allow, PromptResult.Deny, PromptResult.Dismissed]);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter((_, _) => new(answers.Dequeue())));
        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocation")).Guarded();
        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();
        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.record")).Guarded();

        var settings = await authorizer.GetSettingAsync().Guarded();

        Assert.Equal(new Dictionary<string, bool> { ["scope.camera"] = false, ["scope.userLocation"] = true }, settings.AuthSetting);
        Assert.Equal("getSetting:ok", settings.Native["errMsg"]);
    }

    [Fact]
    public async Task GetSettingAsync_Alipay_KeysWithoutPrefixAndNoAuthCodeOnlyScopes()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, new ScriptedPrompter(PromptResult.Allow));
        await authorizer.AuthorizeApiAsync("scan").Guarded();
        await authorizer.AuthorizeApiAsync("saveImageToPhotosAlbum").Guarded();
        await authorizer.AuthorizeApiAsync("chooseImage").Guarded();
        await authorizer.AuthorizeAsync("auth_zhima").Guarded();

        var settings = await authorizer.GetSettingAsync().Guarded();

        Assert.Equal(new Dictionary<string, bool> { ["album"] = true, ["camera"] = true, ["writePhotosAlbum"] = true }, settings.AuthSetting);
        Assert.False(settings.Native.ContainsKey("errMsg"));
    }

    [Theory]
    [InlineData(DecisionState.Denied)]
    [InlineData(DecisionState.NotDetermined)]
    public async Task OpenSettingAsync_UserRevokes_NextCallHonoursItAndEventFires(DecisionState newState)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var page = new ScriptedSettingsPage(new SettingChange("scope.userLocation", newState));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, settings: page);
        await authorizer.AuthorizeAsync("scope.userLocation").Guarded();
        var decisions = new DecisionManager(authorizer);
        var events = new List<DecisionChangedEventArgs>();
        decisions.DecisionChanged += (sender, e) =>
        {
            Assert.Same(decisions, sender);
            events.Add(e);
        };

        var settings = await authorizer.OpenSettingAsync().Guarded();

        Assert.Equal("openSetting:ok", settings.Native["errMsg"]);
        var entry = Assert.Single(page.Shown!.Entries, e => e.Key == "scope.userLocation");
        Assert.Equal(DecisionState.Granted, entry.State);
        var changed = Assert.Single(events);
        Assert.Equal((DecisionState.Granted, newState, DecisionSource.Settings), (changed.Previous, changed.Decision.State, changed.Decision.Source));
        var next = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocation")).Guarded();
        if (newState == DecisionState.Denied)
        {
            Assert.Equal(AuthorizeErrorCode.Denied, next.Error!.Code);
            Assert.Equal(1, prompter.Count);
            Assert.False(settings.AuthSetting["scope.userLocation"]);
        }
        else
        {
            Assert.True(next.Succeeded);
            Assert.Equal(2, prompter.Count);
            Assert.Empty(settings.AuthSetting);
        }
    }

    [Fact]
    public async Task OpenSettingAsync_UserGrantsDeniedScope_NextCallSucceedsWithoutPrompt()
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        using var authorizer = TestAuthorizer.Create(Platform.Baidu, prompter, settings: new ScriptedSettingsPage(new SettingChange("scope.calendar", DecisionState.Granted)));
        await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.calendar")).Guarded();

        var settings = await authorizer.OpenSettingAsync().Guarded();

        Assert.True(settings.AuthSetting["scope.calendar"]);
        Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.calendar")).Guarded()).Succeeded);
        Assert.Equal(1, prompter.Count);
    }

    [Fact]
    public async Task AuthorizeAsync_WeChatBackgroundLocation_NeverPromptsOnlySettingsEnable()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var page = new ScriptedSettingsPage(new SettingChange("scope.userLocationBackground", DecisionState.Granted));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, settings: page);

        var before = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocationBackground")).Guarded();
        Assert.Equal(AuthorizeErrorCode.SettingsOnly, before.Error!.Code);
        Assert.Equal(0, prompter.Count);

        await authorizer.OpenSettingAsync().Guarded();
        Assert.Contains(page.Shown!.Entries, e => e.Key == "scope.userLocationBackground" && e.State == DecisionState.NotDetermined);
        Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocationBackground")).Guarded()).Succeeded);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task AuthorizeAsync_KuaishouBackgroundLocation_Prompts()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.Kuaishou, prompter);

        Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocationBackground")).Guarded()).Succeeded);
        Assert.Equal(1, prompter.Count);
    }

    [Fact]
    public async Task OpenSettingAsync_ChangeForUnknownScope_FailsAndChangesNothing()
    {
        var page = new ScriptedSettingsPage(new SettingChange("scope.camera", DecisionState.Granted), new SettingChange("scope.bogus", DecisionState.Granted));
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, settings: page);

        var thrown = await Assert.ThrowsAsync<AuthorizeException>(() => authorizer.OpenSettingAsync().Guarded());

        Assert.Equal(AuthorizeErrorCode.InvalidScope, thrown.Code);
        Assert.Empty((await authorizer.GetSettingAsync().Guarded()).AuthSetting);
    }

    [Fact]
    public async Task OpenSettingAsync_NoPresenter_ThrowsNamingTheFix()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => authorizer.OpenSettingAsync().Guarded());

        Assert.Contains("SettingsPresenter", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetDecisionAsync_AlipaySettingKey_ResolvesScopeAndAudits()
    {
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, store: store);

        var decision = await new DecisionManager(authorizer).SetDecisionAsync(Subject.Default, "camera", DecisionState.Denied).Guarded();

        Assert.Equal("scope.camera", decision.Scope);
        Assert.Equal(DecisionSource.Admin, decision.Source);
        var audit = Assert.Single(await store.GetAuditAsync(Subject.Default));
        Assert.Equal((DecisionState.NotDetermined, DecisionState.Denied), (audit.From, audit.To));
    }

    [Fact]
    public async Task DecisionChanged_HandlerThrows_DecisionStaysAndCallSucceeds()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));
        new DecisionManager(authorizer).DecisionChanged += (_, _) => throw new InvalidOperationException("subscriber bug");

        var result = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded();

        Assert.True(result.Succeeded);
        Assert.True((await authorizer.GetSettingAsync().Guarded()).AuthSetting["scope.camera"]);
    }
}
