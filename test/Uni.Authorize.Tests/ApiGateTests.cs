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
        using var authorizer = TestAuthorizer.Create(Platform.ByteDance, prompter);

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

    [Theory]
    [InlineData(Platform.WeChat, "saveImageToPhotosAlbum", "scope.writePhotosAlbum")]
    [InlineData(Platform.WeChat, "saveVideoToPhotosAlbum", "scope.writePhotosAlbum")]
    [InlineData(Platform.WeChat, "getWeRunData", "scope.werun")]
    [InlineData(Platform.WeChat, "startLocationUpdate", "scope.userLocation")]
    [InlineData(Platform.WeChat, "getFuzzyLocation", "scope.userFuzzyLocation")]
    [InlineData(Platform.WeChat, "openBluetoothAdapter", "scope.bluetooth")]
    [InlineData(Platform.WeChat, "addPhoneContact", "scope.addPhoneContact")]
    [InlineData(Platform.WeChat, "addPhoneRepeatCalendar", "scope.addPhoneCalendar")]
    [InlineData(Platform.Alipay, "saveImage", "scope.writePhotosAlbum")]
    [InlineData(Platform.Alipay, "saveImageToPhotosAlbum", "scope.writePhotosAlbum")]
    [InlineData(Platform.Alipay, "chooseImage", "scope.photosAlbum")]
    [InlineData(Platform.Alipay, "scan", "scope.camera")]
    [InlineData(Platform.Alipay, "getLocation", "scope.userLocation")]
    [InlineData(Platform.Baidu, "getUserInfo", "scope.userInfo")]
    [InlineData(Platform.ByteDance, "saveImageToPhotosAlbum", "scope.writePhotosAlbum")]
    [InlineData(Platform.ByteDance, "getUserProfile", "scope.userInfo")]
    [InlineData(Platform.Baidu, "addEventOnCalendar", "scope.calendar")]
    [InlineData(Platform.Baidu, "chooseVideo", "scope.camera")]
    [InlineData(Platform.Kuaishou, "startLocationUpdateBackground", "scope.userLocationBackground")]
    [InlineData(Platform.Kuaishou, "saveVideoToPhotosAlbum", "scope.writePhotosAlbum")]
    public async Task TryAuthorizeApiAsync_NativeName_AsksTheScopeOfThePlatform(Platform platform, string api, string scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(platform, prompter);

        var outcome = await authorizer.TryAuthorizeApiAsync(api).Guarded();

        Assert.True(outcome.Succeeded);
        Assert.Equal(scope, Assert.Single(Assert.Single(prompter.Shown).Scopes).Name);
        Assert.Equal(api + ":ok", outcome.Result!.ErrMsg);
    }

    [Theory]
    [InlineData("chooseImage")]
    [InlineData("chooseVideo")]
    [InlineData("chooseMedia")]
    [InlineData("chooseLocation")]
    [InlineData("scanCode")]
    [InlineData("getUserInfo")]
    [InlineData("getUserProfile")]
    [InlineData("chooseAddress")]
    [InlineData("chooseInvoiceTitle")]
    public async Task TryAuthorizeApiAsync_WeChatApiThatNoLongerAsks_RunsWithoutPromptOrDecision(string api)
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var outcome = await authorizer.TryAuthorizeApiAsync(api).Guarded();

        Assert.True(outcome.Succeeded);
        Assert.Equal(api + ":ok", outcome.Result!.Native["errMsg"]);
        Assert.Equal(0, prompter.Count);
        Assert.Empty((await authorizer.GetSettingAsync().Guarded()).Decisions);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_WeChatPickerWithoutPrivacyAgreement_FailsWithErrno104()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));

        var outcome = await authorizer.TryAuthorizeApiAsync("chooseImage", requiresPrivacyAgreement: true).Guarded();

        Assert.Equal(AuthorizeErrorCode.PrivacyNotAuthorized, outcome.Error!.Code);
        Assert.Equal(104, outcome.Error.Native["errno"]);
        Assert.Equal("chooseImage:fail privacy permission is not authorized", outcome.Error.Native["errMsg"]);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_SeedNameOnItsPlatform_StillKnown()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var outcome = await authorizer.TryAuthorizeApiAsync("saveImage").Guarded();

        Assert.True(outcome.Succeeded);
        Assert.Equal("scope.writePhotosAlbum", Assert.Single(prompter.Shown).Scopes[0].Name);
    }

    [Theory]
    [InlineData(Platform.WeChat, "saveImageToPhotosAlbum", "errMsg", "saveImageToPhotosAlbum:fail auth deny")]
    [InlineData(Platform.ByteDance, "chooseImage", "errNo", "10200")]
    [InlineData(Platform.Baidu, "getLocation", "errCode", 10003)]
    [InlineData(Platform.Kuaishou, "scanCode", "errMsg", "scanCode:fail auth deny")]
    [InlineData(Platform.WeChat, "RecorderManager.start", "errMsg", "operateRecorder:fail auth deny")]
    [InlineData(Platform.ByteDance, "RecorderManager.start", "errMsg", "RecorderManager.start:fail auth deny")]
    [InlineData(Platform.Alipay, "saveImage", "error", 2002)]
    [InlineData(Platform.Alipay, "getLocation", "error", 2002)]
    [InlineData(Platform.Baidu, "getUserInfo", "errMsg", "getUserInfo:fail auth deny")]
    public async Task TryAuthorizeApiAsync_DeniedBefore_FailsAtOnceWithTheApisNativePayload(Platform platform, string api, string key, object expected)
    {
        // Alipay keeps a refusal only with "don't ask again" ticked; the other platforms keep every refusal.
        var prompter = new ScriptedPrompter(PromptResult.DenyDontAskAgain);
        using var authorizer = TestAuthorizer.Create(platform, prompter);
        await authorizer.TryAuthorizeApiAsync(api).Guarded();

        var outcome = await authorizer.TryAuthorizeApiAsync(api).Guarded();

        Assert.Equal(1, prompter.Count);
        Assert.Equal(AuthorizeErrorCode.Denied, outcome.Error!.Code);
        Assert.Equal(expected, outcome.Error.Native[key]);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_ConcurrentCallersOfOneScope_ShareOneDialog()
    {
        var prompter = new ManualPrompter();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var calls = new[] { "getLocation", "startLocationUpdate", "getLocation" }.Select(api => authorizer.TryAuthorizeApiAsync(api).AsTask()).ToArray();
        await prompter.AnswerNextAsync(PromptResult.Allow).WaitAsync(TestAuthorizer.Guard);
        var outcomes = await Task.WhenAll(calls).WaitAsync(TestAuthorizer.Guard);

        Assert.All(outcomes, o => Assert.True(o.Succeeded));
        Assert.Equal(1, prompter.Shown);
    }

    [Fact]
    public async Task GetSettingAsync_WeChatFreshUser_ReportsUserInfoAndWithdrawnScopesGranted()
    {
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));

        var settings = await authorizer.GetSettingAsync().Guarded();

        var reported = Assert.IsAssignableFrom<IReadOnlyDictionary<string, bool>>(settings.Native["authSetting"]);
        Assert.Equal(
            ["scope.address", "scope.invoice", "scope.invoiceTitle", "scope.userInfo"],
            reported.Where(p => p.Value).Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Empty(settings.AuthSetting);
    }

    [Fact]
    public async Task TryAuthorizeAsync_WeChatUserInfo_GrantedWithoutDialogAndReportedTrueWhateverWasStored()
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);
        // A refusal stored before WeChat stopped asking changes nothing: the platform grants and reports it.
        await new DecisionManager(authorizer).SetDecisionAsync(Subject.Default, "scope.userInfo", DecisionState.Denied, DecisionSource.Settings, Platform.WeChat);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userInfo")).Guarded();
        var settings = await authorizer.GetSettingAsync().Guarded();
        var entries = await authorizer.GetSettingsEntriesAsync().Guarded();

        Assert.Equal("authorize:ok", outcome.Result!.ErrMsg);
        Assert.Equal(0, prompter.Count);
        Assert.True(Assert.IsAssignableFrom<IReadOnlyDictionary<string, bool>>(settings.Native["authSetting"])["scope.userInfo"]);
        Assert.False(settings.AuthSetting.ContainsKey("scope.userInfo"));
        Assert.DoesNotContain(entries, e => e.Scope.Name == "scope.userInfo");
    }

    [Fact]
    public async Task GetSettingAsync_ByteDanceFreshUser_ReportsNothing()
    {
        using var authorizer = TestAuthorizer.Create(Platform.ByteDance, new ScriptedPrompter(PromptResult.Allow));

        var settings = await authorizer.GetSettingAsync().Guarded();

        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyDictionary<string, bool>>(settings.Native["authSetting"]));
    }
}
