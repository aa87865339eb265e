using System.Text.Json;

namespace Uni.Authorize.Tests;

/// <summary>The scopes and wordings the platforms have beyond the seed's table (docs/platforms.md gives each source).</summary>
public sealed class PlatformScopeTests
{
    private static readonly Subject Alice = new("app1", "alice");

    [Theory]
    [InlineData(Platform.ByteDance, "scope.address", "chooseAddress")]
    [InlineData(Platform.Baidu, "scope.address", "chooseAddress")]
    [InlineData(Platform.Baidu, "scope.invoiceTitle", "chooseInvoiceTitle")]
    public async Task TryAuthorizeApiAsync_AddressAndInvoiceTitle_AskOnceThenGrantAtOnce(Platform platform, string scope, string api)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(platform, prompter);

        var asked = await authorizer.TryAuthorizeApiAsync(api, Alice).Guarded();
        var again = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope) { Subject = Alice }).Guarded();

        Assert.True(asked.Succeeded);
        Assert.True(again.Succeeded);
        Assert.Equal(scope, Assert.Single(prompter.Shown).Scopes.Single().Name);
        Assert.Equal([api], ScopeCatalog.NativeApis(ScopeCatalog.TryGet(scope, out var definition) ? definition : null!, platform));
    }

    [Theory]
    [InlineData(Platform.ByteDance, "{\"errMsg\":\"chooseAddress:fail auth deny\",\"errNo\":\"10200\"}")]
    [InlineData(Platform.Baidu, "{\"errCode\":10003,\"errMsg\":\"chooseAddress:fail auth deny\"}")]
    public async Task TryAuthorizeApiAsync_AddressRefused_FailsAtOnceAfterwards(Platform platform, string native)
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        using var authorizer = TestAuthorizer.Create(platform, prompter);

        var refused = await authorizer.TryAuthorizeApiAsync("chooseAddress", Alice).Guarded();
        var again = await authorizer.TryAuthorizeApiAsync("chooseAddress", Alice).Guarded();

        Assert.Equal(native, JsonSerializer.Serialize(refused.Error!.Native));
        Assert.Equal(native, JsonSerializer.Serialize(again.Error!.Native));
        Assert.Equal(1, prompter.Count);
    }

    [Theory]
    [InlineData(Platform.Kuaishou, "scope.address")]
    [InlineData(Platform.Kuaishou, "scope.invoiceTitle")]
    [InlineData(Platform.ByteDance, "scope.invoiceTitle")]
    public async Task TryAuthorizeAsync_ScopeThePlatformLacks_Unsupported(Platform platform, string scope)
    {
        using var authorizer = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Allow));

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest(scope) { Subject = Alice }).Guarded();

        Assert.Equal(AuthorizeErrorCode.UnsupportedScope, outcome.Error!.Code);
    }

    [Fact]
    public async Task TryAuthorizeAsync_WeChatAddress_StillSilent()
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter);

        var outcome = await authorizer.TryAuthorizeApiAsync("chooseAddress", Alice).Guarded();

        Assert.True(outcome.Succeeded);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_KuaishouUndeclared_KuaishouWording()
    {
        var manifests = new InMemoryAppManifestStore();
        using var authorizer = TestAuthorizer.Create(Platform.Kuaishou, new ScriptedPrompter(PromptResult.Allow),
            configure: o => o.ManifestStore = manifests);
        using var permission = JsonDocument.Parse("""{"permission": {"scope.camera": {"desc": "Scan codes"}}}""");
        await new DecisionManager(authorizer).SetManifestAsync(Alice.AppId, Platform.Kuaishou, permission.RootElement);

        var outcome = await authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();

        Assert.Equal(AuthorizeErrorCode.Undeclared, outcome.Error!.Code);
        Assert.Equal("getLocation:fail 小程序未在 AppConfig 中注册该权限", outcome.Error.Native["errMsg"]);
    }
}
