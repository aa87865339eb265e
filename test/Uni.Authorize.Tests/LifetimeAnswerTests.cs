using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests;

public sealed class LifetimeAnswerTests
{
    private static readonly Subject Alice = new("app-1", "alice");

    private static FakeTimeProvider NewTime() => new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task TryAuthorizeAsync_AllowOnce_ThisCallSucceedsAndTheNextAsksAgain()
    {
        var prompter = new ScriptedPrompter(PromptResult.AllowOnce);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);
        var request = new AuthorizeRequest("scope.camera") { Subject = Alice };

        var first = await authorizer.TryAuthorizeAsync(request).Guarded();
        var second = await authorizer.TryAuthorizeAsync(request).Guarded();

        Assert.Equal("authorize:ok", first.Result!.ErrMsg);
        Assert.True(second.Succeeded);
        Assert.Equal(2, prompter.Count);
        Assert.Equal(DecisionLifetime.Once, (await store.GetAsync(Alice, "scope.camera"))!.Lifetime);
        Assert.Equal([DecisionLifetime.Once, DecisionLifetime.Once], (await store.GetAuditAsync(Alice)).Select(e => e.Lifetime));
    }

    [Theory]
    [InlineData(Platform.WeChat, "getLocation")]
    [InlineData(Platform.ByteDance, "getLocation")]
    [InlineData(Platform.Baidu, "chooseImage")]
    [InlineData(Platform.Kuaishou, "getLocation")]
    [InlineData(Platform.Alipay, "chooseImage")]
    public async Task TryAuthorizeApiAsync_AllowOnce_SameSuccessPayloadAsAllow(Platform platform, string api)
    {
        using var once = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.AllowOnce));
        using var standing = TestAuthorizer.Create(platform, new ScriptedPrompter(PromptResult.Allow));

        var onceResult = (await once.TryAuthorizeApiAsync(api, Alice).Guarded()).Result!;
        var standingResult = (await standing.TryAuthorizeApiAsync(api, Alice).Guarded()).Result!;

        Assert.Equal(standingResult.ErrMsg, onceResult.ErrMsg);
        Assert.Equal(standingResult.Native.OrderBy(p => p.Key), onceResult.Native.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task TryAuthorizeAsync_AllowWhileUsing_LastsUntilTheSessionEnds()
    {
        var time = NewTime();
        var prompter = new ScriptedPrompter(PromptResult.AllowWhileUsing);
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, time);
        var request = new AuthorizeRequest("scope.userLocation") { Subject = Alice, SessionEndsAt = time.GetUtcNow().AddHours(1) };

        await authorizer.TryAuthorizeAsync(request).Guarded();
        var during = await authorizer.TryAuthorizeAsync(request).Guarded();
        time.Advance(TimeSpan.FromHours(1));
        var after = await authorizer.TryAuthorizeAsync(request with { SessionEndsAt = time.GetUtcNow().AddHours(1) }).Guarded();

        Assert.True(during.Succeeded);
        Assert.True(after.Succeeded);
        Assert.Equal(2, prompter.Count);
        Assert.True(Assert.Single(prompter.Shown.Take(1)).OffersWhileUsing);
    }

    [Fact]
    public async Task EndSessionAsync_WhileUsingGrant_EndedAndAskedAgainWhileStandingGrantStays()
    {
        var prompter = new ScriptedPrompter((request, _) =>
            new(request.Scopes[0].Name == "scope.userLocation" ? PromptResult.AllowWhileUsing : PromptResult.Allow));
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);
        var decisions = new DecisionManager(authorizer);
        var location = new AuthorizeRequest("scope.userLocation") { Subject = Alice };
        var camera = new AuthorizeRequest("scope.camera") { Subject = Alice };
        await authorizer.TryAuthorizeAsync(location).Guarded();
        await authorizer.TryAuthorizeAsync(camera).Guarded();
        var settings = await authorizer.GetSettingsEntriesAsync(Alice);

        var ended = await decisions.EndSessionAsync(Alice);
        await authorizer.TryAuthorizeAsync(location).Guarded();
        await authorizer.TryAuthorizeAsync(camera).Guarded();

        Assert.Equal(DecisionLifetime.WhileUsing, settings.Single(e => e.Scope.Name == "scope.userLocation").Lifetime);
        Assert.Equal(1, ended);
        Assert.Equal(3, prompter.Count);
        Assert.Contains(await store.GetAuditAsync(Alice), e => e is { Scope: "scope.userLocation", To: DecisionState.NotDetermined, Source: DecisionSource.Policy });
    }

    [Fact]
    public async Task TryAuthorizeAsync_AllowWhileUsingForANonLocationScope_PromptFailedAndNothingStored()
    {
        var prompter = new ScriptedPrompter(PromptResult.AllowWhileUsing);
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, prompter, store: store);

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).Guarded();

        Assert.Equal(AuthorizeErrorCode.PromptFailed, outcome.Error!.Code);
        Assert.False(Assert.Single(prompter.Shown).OffersWhileUsing);
        Assert.Null(await store.GetAsync(Alice, "scope.camera"));
    }

    [Fact]
    public async Task RecordPromptAnswerAsync_AllowOnce_RecordedAlreadyExpiredWithItsLifetime()
    {
        var store = new InMemoryDecisionStore();
        using var authorizer = TestAuthorizer.Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow), store: store);
        ScopeCatalog.TryGet("scope.camera", out var camera);

        await authorizer.RecordPromptAnswerAsync(new PromptRequest(Alice, Platform.WeChat, [camera]), PromptResult.AllowOnce);

        var stored = await store.GetAsync(Alice, "scope.camera");
        Assert.Equal((DecisionState.Granted, DecisionLifetime.Once), (stored!.State, stored.Lifetime));
        Assert.Equal(DecisionState.NotDetermined, stored.EffectiveState(stored.DecidedAt));
    }
}
