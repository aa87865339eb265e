using System.Text.Json;

namespace Uni.Authorize.Tests;

/// <summary>Alipay's own consent model (my.getAuthCode and my.getSetting references): a plain refusal is asked again,
/// "don't ask again" keeps it, closing is 3, and getAuthCode knows only its auth scopes.</summary>
public sealed class AlipayConsentTests
{
    private static readonly Subject Alice = new("app1", "alice");

    [Fact]
    public async Task TryAuthorizeApiAsync_DevicePermissionPlainRefusal_2001AndAskedAgain()
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter, store: store);

        var first = await authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        var second = await authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        var settings = await authorizer.GetSettingAsync(Alice).Guarded();

        Assert.Equal(AuthorizeErrorCode.Denied, first.Error!.Code);
        Assert.Equal("""{"error":2001,"errorMessage":"用户拒绝授权","authErrorScopes":{"scope.userLocation":2001}}""", Native(first));
        Assert.Equal(Native(first), Native(second));
        Assert.Equal(2, prompter.Count);
        Assert.Empty(settings.AuthSetting);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_DontAskAgain_2003ThenKept2002WithoutDialog()
    {
        var prompter = new ScriptedPrompter(PromptResult.DenyDontAskAgain);
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter);

        var first = await authorizer.TryAuthorizeApiAsync("chooseImage", Alice).Guarded();
        var second = await authorizer.TryAuthorizeApiAsync("chooseImage", Alice).Guarded();
        var settings = await authorizer.GetSettingAsync(Alice).Guarded();

        Assert.Equal("""{"error":2003,"errorMessage":"用户拒绝授权，且选择不再询问","authErrorScopes":{"scope.photosAlbum":2003}}""", Native(first));
        Assert.Equal("""{"error":2002,"errorMessage":"用户已拒绝授权，且选择不再询问","authErrorScopes":{"scope.photosAlbum":2002}}""", Native(second));
        Assert.Equal(1, prompter.Count);
        Assert.True(Assert.Single(prompter.Shown).OffersDontAskAgain);
        Assert.False(settings.AuthSetting["album"]);
    }

    [Theory]
    [InlineData("auth_user")]
    [InlineData("auth_zhima")]
    public async Task TryAuthorizeAsync_GetAuthCodeRefusal_Error11AndAskedAgainEvenWithTheBox(string scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.DenyDontAskAgain);
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter);

        var first = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope) { Subject = Alice }).Guarded();
        var second = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope) { Subject = Alice }).Guarded();

        Assert.Equal("{\"error\":11,\"errorMessage\":\"用户取消授权\",\"authErrorScopes\":{\"" + scope + "\":11}}", Native(first));
        Assert.Equal(Native(first), Native(second));
        Assert.Equal(2, prompter.Count);
        Assert.False(prompter.Shown.First().OffersDontAskAgain);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_Dismissed_Error3AndAskedAgain()
    {
        var prompter = new ScriptedPrompter(PromptResult.Dismissed);
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter);

        var first = await authorizer.TryAuthorizeApiAsync("scan", Alice).Guarded();
        await authorizer.TryAuthorizeApiAsync("scan", Alice).Guarded();

        Assert.Equal(3, first.Error!.Native["error"]);
        Assert.Equal(2, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_SettingsTurnedOff_2002AtOnce()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter);
        await new DecisionManager(authorizer).SetDecisionAsync(Alice, "camera", DecisionState.Denied, DecisionSource.Settings, Platform.Alipay);

        var outcome = await authorizer.TryAuthorizeApiAsync("scan", Alice).Guarded();

        Assert.Equal(2002, outcome.Error!.Native["error"]);
        Assert.Equal(0, prompter.Count);
    }

    [Theory]
    [InlineData("scope.userLocation")]
    [InlineData("scope.camera")]
    [InlineData("scope.writePhotosAlbum")]
    [InlineData("scope.photosAlbum")]
    public async Task TryAuthorizeAsync_DevicePermission_RefusedAsAGetAuthCodeScopeWithoutDialog(string scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter, store: store);
        await authorizer.TryAuthorizeApiAsync(scope == "scope.userLocation" ? "getLocation" : "scan", Alice).Guarded();

        var single = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope) { Subject = Alice }).Guarded();
        var several = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(["auth_base", scope]) { Subject = Alice }).Guarded();

        Assert.Equal(AuthorizeErrorCode.InvalidScope, single.Error!.Code);
        Assert.Equal(2, single.Error.Native["error"]);
        Assert.Equal(AuthorizeErrorCode.InvalidScope, several.Error!.Code);
        Assert.Equal(1, prompter.Count);
    }

    [Theory]
    [InlineData("getLocation", "location")]
    [InlineData("chooseImage", "album")]
    [InlineData("saveImageToPhotosAlbum", "writePhotosAlbum")]
    [InlineData("saveImage", "writePhotosAlbum")]
    [InlineData("scan", "camera")]
    public async Task GetSettingAsync_GrantedThroughTheApi_UnderAlipaysKey(string api, string key)
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, new ScriptedPrompter(PromptResult.Allow));

        await authorizer.TryAuthorizeApiAsync(api, Alice).Guarded();
        var settings = await authorizer.GetSettingAsync(Alice).Guarded();

        Assert.Equal(new Dictionary<string, bool> { [key] = true }, settings.AuthSetting);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_GetOpenUserInfo_NeverAsks()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter);

        var outcome = await authorizer.TryAuthorizeApiAsync("getOpenUserInfo", Alice).Guarded();

        Assert.True(outcome.Succeeded);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeAsync_OtherPlatformsKeepEveryRefusal_DontAskAgainIsDeny()
    {
        var prompter = new ScriptedPrompter(PromptResult.DenyDontAskAgain);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var first = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).Guarded();
        var second = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).Guarded();

        Assert.Equal("authorize:fail auth deny", first.Error!.ErrMsg);
        Assert.Equal("authorize:fail auth deny", second.Error!.ErrMsg);
        Assert.Equal(1, prompter.Count);
        Assert.False(prompter.Shown.Single().OffersDontAskAgain);
    }

    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Native(AuthorizeOutcome outcome) => JsonSerializer.Serialize(outcome.Error!.Native, Unescaped);
}
