using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests;

public sealed class AlipayTests
{
    private static readonly Subject Alice = new("app1", "alice");

    [Fact]
    public async Task AuthorizeAsync_AuthBase_SilentAndFreshCodeEachTime()
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter, store: store);

        var first = await authorizer.AuthorizeAsync(new AuthorizeRequest("auth_base") { Subject = Alice }).Guarded();
        var second = await authorizer.AuthorizeAsync(new AuthorizeRequest("auth_base") { Subject = Alice }).Guarded();

        Assert.Equal(0, prompter.Count);
        Assert.NotNull(first.AuthCode);
        Assert.NotEqual(first.AuthCode, second.AuthCode);
        Assert.Equal(first.AuthCode, first.Native["authCode"]);
        Assert.Equal(["auth_base"], first.AuthSuccessScopes);
        Assert.Empty(await store.ListAsync(Alice));
    }

    [Theory]
    [InlineData("scope.userInfo")]
    [InlineData("auth_user")]
    [InlineData("auth_zhima")]
    public async Task AuthorizeAsync_UserScopes_PromptAndReturnCode(string scope)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter);

        var result = await authorizer.AuthorizeAsync(new AuthorizeRequest(scope) { Subject = Alice }).Guarded();

        Assert.Equal(1, prompter.Count);
        Assert.NotNull(result.AuthCode);
        Assert.True(result.AuthCode!.Length >= 22, "at least 128 bits of base64url");
        Assert.Equal(result.AuthSuccessScopes, result.Native["authSuccessScopes"]);
    }

    [Fact]
    public async Task AuthorizeAsync_SeveralScopes_OnePromptListsAllAndResultSplitsThem()
    {
        var prompter = new ScriptedPrompter(PromptResult.PerScope(new Dictionary<string, PromptAnswer>
        {
            ["scope.userInfo"] = PromptAnswer.Allow,
            ["auth_zhima"] = PromptAnswer.Deny,
        }));
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, prompter);

        var result = await authorizer.AuthorizeAsync(new AuthorizeRequest(["auth_base", "auth_user", "auth_zhima"]) { Subject = Alice }).Guarded();

        var shown = Assert.Single(prompter.Shown);
        Assert.Equal(["scope.userInfo", "auth_zhima"], shown.Scopes.Select(s => s.Name));
        Assert.Equal(["auth_base", "auth_user"], result.AuthSuccessScopes);
        Assert.Equal(new Dictionary<string, int> { ["auth_zhima"] = 11 }, result.AuthErrorScopes);
        Assert.NotNull(result.AuthCode);
    }

    [Fact]
    public async Task AuthCode_Redeem_OnceByItsAppOnly()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, new ScriptedPrompter(PromptResult.Allow));
        var code = (await authorizer.AuthorizeAsync(new AuthorizeRequest("auth_user") { Subject = Alice }).Guarded()).AuthCode!;
        var other = (await authorizer.AuthorizeAsync(new AuthorizeRequest("auth_base") { Subject = Alice }).Guarded()).AuthCode!;

        var redeemed = await new AuthCodeService(authorizer).RedeemAuthCodeAsync("app1", code).Guarded();
        var again = await new AuthCodeService(authorizer).RedeemAuthCodeAsync("app1", code).Guarded();
        var wrongApp = await new AuthCodeService(authorizer).RedeemAuthCodeAsync("app2", other).Guarded();
        var afterWrongApp = await new AuthCodeService(authorizer).RedeemAuthCodeAsync("app1", other).Guarded();

        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, redeemed.Status);
        Assert.Equal(Alice, redeemed.Code!.Subject);
        Assert.Equal(["scope.userInfo"], redeemed.Code.Scopes);
        Assert.Equal(AuthCodeRedemptionStatus.AlreadyUsed, again.Status);
        Assert.Equal(AuthCodeRedemptionStatus.WrongApp, wrongApp.Status);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, afterWrongApp.Status);
    }

    [Fact]
    public async Task AuthCode_AfterFiveMinutes_Expired()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var authorizer = TestAuthorizer.Create(Platform.Alipay, time: time);
        var code = (await authorizer.AuthorizeAsync(new AuthorizeRequest("auth_base") { Subject = Alice }).Guarded()).AuthCode!;
        var fresh = (await authorizer.AuthorizeAsync(new AuthorizeRequest("auth_base") { Subject = Alice }).Guarded()).AuthCode!;

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, (await new AuthCodeService(authorizer).RedeemAuthCodeAsync("app1", fresh).Guarded()).Status);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AuthCodeRedemptionStatus.Expired, (await new AuthCodeService(authorizer).RedeemAuthCodeAsync("app1", code).Guarded()).Status);
    }

    [Fact]
    public async Task AuthCode_ParallelRedeemers_ExactlyOneSucceeds()
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay);
        var code = (await authorizer.AuthorizeAsync(new AuthorizeRequest("auth_base") { Subject = Alice }).Guarded()).AuthCode!;

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => new AuthCodeService(authorizer).RedeemAuthCodeAsync("app1", code).AsTask())));

        Assert.Equal(1, results.Count(r => r.Succeeded));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-code")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task RedeemAuthCodeAsync_UnknownOrMalformed_Invalid(string? code)
    {
        using var authorizer = TestAuthorizer.Create(Platform.Alipay);

        var redemption = await new AuthCodeService(authorizer).RedeemAuthCodeAsync("app1", code).Guarded();

        Assert.Equal(AuthCodeRedemptionStatus.Invalid, redemption.Status);
    }
}
