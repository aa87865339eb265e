using System.Text.Json;

namespace Uni.Authorize.Tests;

public sealed class NativePayloadTests
{
    [Theory]
    [InlineData(Platform.WeChat)]
    [InlineData(Platform.Baidu)]
    public async Task AuthorizeAsync_Granted_NativeIsErrMsgOk(Platform platform)
    {
        using var authorizer = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Allow));

        var result = await authorizer.AuthorizeAsync("scope.camera").Guarded();

        Assert.Equal(new Dictionary<string, object?> { ["errMsg"] = "authorize:ok" }, result.Native);
        Assert.Equal(["scope.camera"], result.Scopes);
    }

    [Theory]
    [InlineData("scope.writePhotosAlbum")]
    [InlineData("scope.album")]
    public async Task AuthorizeAsync_ByteDanceAlbum_DataMapUsesNativeName(string input)
    {
        using var authorizer = TestAuthorizer.Create(Platform.ByteDance, new ScriptedPrompter(PromptResult.Allow));

        var result = await authorizer.AuthorizeAsync(input).Guarded();

        Assert.Equal("authorize:ok", result.Native["errMsg"]);
        var data = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(result.Native["data"]);
        Assert.Equal("ok", data["scope.album"]);
        Assert.Single(data);
        Assert.Equal(["scope.writePhotosAlbum"], result.Scopes);
    }

    [Fact]
    public async Task AuthorizeAsync_Kuaishou_NativeSuccessIsEmptyButResultIsKept()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Kuaishou, new ScriptedPrompter(PromptResult.Allow));

        var result = await authorizer.AuthorizeAsync("scope.userLocation").Guarded();

        Assert.Empty(result.Native);
        Assert.Equal("authorize:ok", result.ErrMsg);
        Assert.Equal(["scope.userLocation"], result.Scopes);
    }

    [Theory]
    [InlineData(Platform.WeChat, "authorize:fail auth deny", null, null)]
    [InlineData(Platform.Kuaishou, "authorize:fail auth deny", null, null)]
    [InlineData(Platform.Baidu, "authorize:fail auth deny", "errCode", 10003)]
    [InlineData(Platform.ByteDance, "authorize:fail auth deny", "errNo", "10200")]
    public async Task TryAuthorizeAsync_Denied_NativeFailurePayload(Platform platform, string errMsg, string? extraKey, object? extraValue)
    {
        using var authorizer = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Deny));

        var error = (await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera")).Guarded()).Error!;

        Assert.Equal(AuthorizeErrorCode.Denied, error.Code);
        Assert.Equal(errMsg, error.Native["errMsg"]);
        if (extraKey is null)
        {
            Assert.Single(error.Native);
        }
        else
        {
            Assert.Equal(extraValue, error.Native[extraKey]);
            Assert.Equal(2, error.Native.Count);
        }
    }

    [Fact]
    public async Task TryAuthorizeAsync_AlipayDenied_Error11WithAuthErrorScopes()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, new ScriptedPrompter(PromptResult.Deny));

        var error = (await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.userInfo")).Guarded()).Error!;

        Assert.Equal(11, error.Native["error"]);
        Assert.Equal("用户取消授权", error.Native["errorMessage"]);
        var scopes = Assert.IsAssignableFrom<IReadOnlyDictionary<string, int>>(error.Native["authErrorScopes"]);
        Assert.Equal(11, scopes["auth_user"]);
        Assert.Equal(11, error.AuthErrorScopes["auth_user"]);
    }

    [Fact]
    public async Task TryAuthorizeAsync_AlipayDismissed_Error3()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, new ScriptedPrompter(PromptResult.Dismissed));

        var error = (await authorizer.TryAuthorizeAsync(new AuthorizeRequest("auth_zhima")).Guarded()).Error!;

        Assert.Equal(AuthorizeErrorCode.Dismissed, error.Code);
        Assert.Equal(3, error.Native["error"]);
    }

    [Fact]
    public async Task TryAuthorizeAsync_KuaishouInvalidScope_NativeMessageIsInvalidScope()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Kuaishou);

        var error = (await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.nothing")).Guarded()).Error!;

        Assert.Equal("invalid scope", error.ErrMsg);
    }

    [Theory]
    [InlineData(Platform.WeChat, "scope.camera", """{"errMsg":"authorize:ok"}""")]
    [InlineData(Platform.Baidu, "scope.camera", """{"errMsg":"authorize:ok"}""")]
    [InlineData(Platform.ByteDance, "scope.album", """{"errMsg":"authorize:ok","data":{"scope.album":"ok"}}""")]
    [InlineData(Platform.Kuaishou, "scope.userLocation", "{}")]
    public async Task NativeJson_TwoEqualSuccessPayloads_DeepEqualAndShapedLikeTheHttpApi(Platform platform, string scope, string expected)
    {
        using var first = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Allow));
        using var second = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Allow));

        var a = (await first.AuthorizeAsync(scope).Guarded()).NativeJson;
        var b = (await second.AuthorizeAsync(scope).Guarded()).NativeJson;

        Assert.True(JsonElement.DeepEquals(a, b));
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, a), a.GetRawText());
    }

    [Theory]
    [InlineData(Platform.WeChat, "scope.camera")]
    [InlineData(Platform.Baidu, "scope.camera")]
    [InlineData(Platform.ByteDance, "scope.album")]
    [InlineData(Platform.Kuaishou, "scope.userLocation")]
    [InlineData(Platform.Alipay, "auth_user")]
    [InlineData(Platform.Web, "scope.camera")]
    public async Task NativeJson_TwoEqualFailurePayloads_DeepEqualAndCarriedByTheException(Platform platform, string scope)
    {
        using var first = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Deny));
        using var second = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Deny));

        var a = (await first.TryAuthorizeAsync(new AuthorizeRequest(scope)).Guarded()).Error!;
        var thrown = await Assert.ThrowsAsync<AuthorizeException>(async () => await second.AuthorizeAsync(scope).Guarded());

        UniAuthorizeException family = thrown;
        Assert.True(JsonElement.DeepEquals(a.NativeJson, family.NativeJson!.Value));
        Assert.Equal(a.CodeName, family.ErrorCode);
        Assert.Equal(a.Native.Keys, a.NativeJson.EnumerateObject().Select(static p => p.Name));
    }
}
