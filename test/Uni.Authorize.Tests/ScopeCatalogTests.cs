namespace Uni.Authorize.Tests;

public sealed class ScopeCatalogTests
{
    [Fact]
    public void Scopes_SeedTable_HasExactlyTenScopesInOrder()
    {
        Assert.Equal(
            ["scope.userInfo", "scope.userLocation", "scope.userLocationBackground", "scope.werun", "scope.record",
             "scope.writePhotosAlbum", "scope.camera", "scope.calendar", "auth_base", "auth_zhima"],
            ScopeCatalog.Scopes.Select(s => s.Name));
    }

    [Theory]
    [InlineData("scope.userInfo", "用户信息", "getUserInfo,getOpenUserInfo", "WeChat,ByteDance,Kuaishou,Alipay", "Baidu")]
    [InlineData("scope.userLocation", "地理位置", "getLocation,chooseLocation", "WeChat,ByteDance,Baidu,Kuaishou", "Alipay")]
    [InlineData("scope.userLocationBackground", "后台定位", "startLocationUpdateBackground", "WeChat,Kuaishou", null)]
    [InlineData("scope.werun", "微信运动步数", "getWeRunData", "WeChat", null)]
    [InlineData("scope.record", "录音功能", "startRecord", "WeChat,ByteDance,Baidu,Kuaishou", null)]
    [InlineData("scope.writePhotosAlbum", "保存到相册", "saveImage,saveVideo", "WeChat,ByteDance,Baidu,Kuaishou,Alipay", null)]
    [InlineData("scope.camera", "摄像头", "scanCode,chooseImage,chooseVideo", "WeChat,ByteDance,Baidu,Kuaishou,Alipay", null)]
    [InlineData("scope.calendar", "日历", "addEventOnCalendar,deleteEventOnCalendar", "Baidu", null)]
    [InlineData("auth_zhima", "用户芝麻信息", "zhima.credit.score.brief.get", "Alipay", null)]
    public void Scopes_EachRow_MatchesTheSeedPlusThePlatformsItLeavesOut(string name, string zh, string apis, string platforms, string? beyondSeed)
    {
        Assert.True(ScopeCatalog.TryGet(name, out var scope));
        Assert.Equal(zh, scope.DescriptionZh);
        Assert.False(string.IsNullOrWhiteSpace(scope.DescriptionEn));
        Assert.Equal(apis.Split(','), scope.Apis);
        Assert.Equal(
            platforms.Split(',').Concat(beyondSeed?.Split(',') ?? []).Select(Enum.Parse<Platform>).Order(),
            scope.Platforms.Keys.Order());
    }

    [Fact]
    public void AuthBase_Api_IsTheServerSideExchangeNotTheCalendar()
    {
        Assert.True(ScopeCatalog.TryGet("auth_base", out var scope));
        Assert.Equal(["alipay.system.oauth.token"], scope.Apis);
        Assert.StartsWith("静默授权", scope.DescriptionZh, StringComparison.Ordinal);
        Assert.Equal(ScopePromptMode.Silent, scope.Platforms[Platform.Alipay].PromptMode);
        Assert.True(ScopeCatalog.TryGetByApi("addEventOnCalendar", out var calendar));
        Assert.Equal("scope.calendar", calendar.Name);
    }

    [Theory]
    [InlineData(Platform.ByteDance, "scope.album", "scope.writePhotosAlbum")]
    [InlineData(Platform.Alipay, "auth_user", "scope.userInfo")]
    [InlineData(Platform.WeChat, "scope.camera", "scope.camera")]
    public void TryResolve_NativeName_ResolvesToCanonicalScope(Platform platform, string input, string canonical)
    {
        Assert.True(ScopeCatalog.TryResolve(platform, input, out ScopeDefinition scope, out _));
        Assert.Equal(canonical, scope.Name);
    }

    [Theory]
    [InlineData(Platform.WeChat, "scope.album")]
    [InlineData(Platform.WeChat, "auth_user")]
    [InlineData(Platform.Web, "scope.camera")]
    [InlineData(Platform.Baidu, "scope.werun")]
    public void TryResolve_NameNotOfThePlatform_Fails(Platform platform, string input) =>
        Assert.False(ScopeCatalog.TryResolve(platform, input, out ScopeDefinition _, out _));

    [Fact]
    public void WeChatBackgroundLocation_Rule_IsSettingsOnlyInTheCatalog()
    {
        Assert.True(ScopeCatalog.TryGet("scope.userLocationBackground", out var scope));
        Assert.Equal(ScopePromptMode.SettingsOnly, scope.Platforms[Platform.WeChat].PromptMode);
        Assert.Equal(ScopePromptMode.Dialog, scope.Platforms[Platform.Kuaishou].PromptMode);
    }

    [Theory]
    [InlineData("scope.userFuzzyLocation", "getFuzzyLocation", ScopePromptMode.Dialog, "WeChat")]
    [InlineData("scope.bluetooth", "openBluetoothAdapter,createBLEPeripheralServer", ScopePromptMode.Dialog, "WeChat")]
    [InlineData("scope.addPhoneContact", "addPhoneContact", ScopePromptMode.Dialog, "WeChat")]
    [InlineData("scope.addPhoneCalendar", "addPhoneCalendar,addPhoneRepeatCalendar", ScopePromptMode.Dialog, "WeChat")]
    [InlineData("scope.address", "chooseAddress", ScopePromptMode.Silent, "WeChat,ByteDance,Baidu")]
    [InlineData("scope.invoiceTitle", "chooseInvoiceTitle", ScopePromptMode.Silent, "WeChat,Baidu")]
    [InlineData("scope.invoice", "chooseInvoice", ScopePromptMode.Silent, "WeChat")]
    public void PlatformScopes_PlatformsOwn_KnownBesideTheSeedsTable(string name, string apis, ScopePromptMode mode, string platforms)
    {
        var scope = Assert.Single(ScopeCatalog.PlatformScopes, s => s.Name == name);
        Assert.Equal(apis.Split(','), scope.Apis);
        Assert.Equal(platforms.Split(',').Select(Enum.Parse<Platform>).Order(), scope.Platforms.Keys.Order());
        Assert.Equal(mode, scope.Platforms[Platform.WeChat].PromptMode);
        Assert.All(scope.Platforms.Keys.Where(p => p != Platform.WeChat), p => Assert.Equal(ScopePromptMode.Dialog, scope.Platforms[p].PromptMode));
        Assert.True(ScopeCatalog.TryResolve(Platform.WeChat, name, out ScopeDefinition _, out _));
        Assert.False(ScopeCatalog.TryResolve(Platform.Kuaishou, name, out ScopeDefinition _, out _));
        Assert.DoesNotContain(ScopeCatalog.Scopes, s => s.Name == name);
    }

    [Fact]
    public async Task PlatformScopes_BluetoothAsksAndAddressIsSilent()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var bluetooth = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.bluetooth")).Guarded();
        var address = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.address")).Guarded();

        Assert.True(bluetooth.Succeeded);
        Assert.True(address.Succeeded);
        Assert.Equal("scope.bluetooth", Assert.Single(prompter.Shown).Scopes[0].Name);
    }

    [Theory]
    [InlineData(Platform.WeChat, "scope.writePhotosAlbum", "saveImageToPhotosAlbum,saveVideoToPhotosAlbum")]
    [InlineData(Platform.WeChat, "scope.camera", "CameraContext.startRecord,CameraContext.takePhoto")]
    [InlineData(Platform.Alipay, "scope.writePhotosAlbum", "saveImage,saveImageToPhotosAlbum,saveVideoToPhotosAlbum")]
    [InlineData(Platform.ByteDance, "scope.camera", "chooseImage,chooseVideo,scanCode,CameraContext.takePhoto")]
    [InlineData(Platform.Baidu, "scope.calendar", "addEventOnCalendar,deleteEventOnCalendar")]
    public void NativeApis_Scope_ThePlatformsOwnNamesFunctionsFirst(Platform platform, string scope, string apis)
    {
        Assert.True(ScopeCatalog.TryGet(scope, out var definition));

        Assert.Equal(apis.Split(','), ScopeCatalog.NativeApis(definition, platform));
    }

    [Fact]
    public void NativeApis_WeChatUserInfo_NoneAsks()
    {
        Assert.True(ScopeCatalog.TryGet("scope.userInfo", out var userInfo));

        Assert.Empty(ScopeCatalog.NativeApis(userInfo, Platform.WeChat));
    }
}
