using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests.Manifests;

public sealed class ManifestTests
{
    private static readonly Subject Alice = new("app-1", "alice");

    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static (Authorizer Authorizer, DecisionManager Decisions) Create(
        Platform platform, IAuthorizationPrompter prompter, Action<UniAuthorizeOptions>? configure = null, FakeTimeProvider? time = null)
    {
        var authorizer = TestAuthorizer.Create(platform, prompter, time, configure: options =>
        {
            options.ManifestStore = new InMemoryAppManifestStore();
            configure?.Invoke(options);
        });
        return (authorizer, new DecisionManager(authorizer));
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_WeChatApiMissingFromRequiredPrivateInfos_FailsTheWeChatWayWithoutDialog()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var (authorizer, decisions) = Create(Platform.WeChat, prompter);
        using var _ = authorizer;
        await decisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json("""{"permission": {"scope.userLocation": {"desc": "Find shops near you"}}}"""));

        var outcome = await authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();
        var picker = await authorizer.TryAuthorizeApiAsync("chooseLocation", Alice).Guarded();

        Assert.Equal(AuthorizeErrorCode.Undeclared, outcome.Error!.Code);
        Assert.Equal("getLocation:fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json", outcome.Error.Native["errMsg"]);
        Assert.Equal("chooseLocation:fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json", picker.Error!.ErrMsg);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeApiAsync_DeclaredApiAndPurpose_AsksWithThePurposeAndSucceeds()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var (authorizer, decisions) = Create(Platform.WeChat, prompter);
        using var _ = authorizer;
        await decisions.SetManifestAsync(Alice.AppId, Platform.WeChat,
            Json("""{"pages": ["index"], "permission": {"scope.userLocation": {"desc": "用于推荐附近门店"}}, "requiredPrivateInfos": ["getLocation"]}"""));

        var outcome = await authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();

        Assert.Equal("getLocation:ok", outcome.Result!.ErrMsg);
        var shown = Assert.Single(prompter.Shown);
        Assert.Equal("用于推荐附近门店", shown.Purposes["scope.userLocation"]);
    }

    [Theory]
    [InlineData(Platform.WeChat, "{\"errMsg\":\"authorize:fail require permission desc\"}")]
    [InlineData(Platform.ByteDance, "{\"errMsg\":\"authorize:fail require permission desc\",\"errNo\":\"10206\"}")]
    [InlineData(Platform.Baidu, "{\"errCode\":10008,\"errMsg\":\"authorize:fail require permission desc\"}")]
    [InlineData(Platform.Kuaishou, "{\"errMsg\":\"authorize:fail 小程序未在 AppConfig 中注册该权限\"}")]
    [InlineData(Platform.Alipay, "{\"error\":4,\"errorMessage\":\"无权限调用\",\"authErrorScopes\":{\"scope.camera\":4}}", "scan")]
    public async Task TryAuthorizeAsync_ScopeWithoutDeclaredPurpose_FailsWithPlatformPayloadAndIsCounted(Platform platform, string native, string? api = null)
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var (authorizer, decisions) = Create(platform, prompter);
        using var _ = authorizer;
        long undeclared = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "uni.authorize.undeclared" && ReferenceEquals(instrument.Meter.Scope, authorizer.Engine))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref undeclared, value));
        listener.Start();
        await decisions.SetManifestAsync(Alice.AppId, platform, Json("""{"permission": {"scope.writePhotosAlbum": {"desc": "Save your poster"}}}"""));

        // Alipay asks for its camera through my.scan only: getAuthCode knows no device permission.
        var outcome = api is null
            ? await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).Guarded()
            : await authorizer.TryAuthorizeApiAsync(api, Alice).Guarded();

        Assert.Equal(AuthorizeErrorCode.Undeclared, outcome.Error!.Code);
        Assert.Equal(native, JsonSerializer.Serialize(outcome.Error.Native, Unescaped));
        Assert.Equal(0, prompter.Count);
        Assert.Equal(1, Interlocked.Read(ref undeclared));
    }

    [Fact]
    public async Task TryAuthorizeAsync_AppWithoutManifest_AskedAsBefore()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var (authorizer, decisions) = Create(Platform.WeChat, prompter);
        using var _ = authorizer;
        await decisions.SetManifestAsync("app-2", Platform.WeChat, Json("""{"permission": {}}"""));

        var outcome = await authorizer.TryAuthorizeApiAsync("getLocation", Alice).Guarded();

        Assert.True(outcome.Succeeded);
        Assert.Empty(Assert.Single(prompter.Shown).Purposes);
    }

    [Fact]
    public async Task TryAuthorizeAsync_RequireDeclarationsAndNoManifest_FailsUndeclared()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var (authorizer, _) = Create(Platform.WeChat, prompter, o => o.RequireDeclarations = true);
        using var _ = authorizer;

        var outcome = await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }).Guarded();

        Assert.Equal("authorize:fail require permission desc", outcome.Error!.ErrMsg);
        Assert.Equal(0, prompter.Count);
    }

    [Fact]
    public void Constructor_RequireDeclarationsWithoutStore_ThrowsNamingTheFix()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Authorizer(new UniAuthorizeOptions { RequireDeclarations = true }));

        Assert.Contains("UniAuthorizeOptions.ManifestStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryAuthorizeAsync_GrantedPurposeChanged_AsksAgainAndRecordsThePurposeVersion()
    {
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var store = new InMemoryDecisionStore();
        var (authorizer, decisions) = Create(Platform.WeChat, prompter, o => o.Store = store);
        using var _ = authorizer;
        var request = new AuthorizeRequest("scope.userLocation") { Subject = Alice };
        await decisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json("""{"permission": {"scope.userLocation": {"desc": "Shops near you"}, "scope.camera": {"desc": "Scan"}}}"""));
        await authorizer.TryAuthorizeAsync(request).Guarded();
        await authorizer.TryAuthorizeAsync(request).Guarded();

        // Version 2 changes only the camera's text: the location grant stands.
        await decisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json("""{"permission": {"scope.userLocation": {"desc": "Shops near you"}, "scope.camera": {"desc": "Scan codes"}}}"""));
        await authorizer.TryAuthorizeAsync(request).Guarded();
        Assert.Equal(1, prompter.Count);

        // Version 3 changes the location's text: the next call asks again, under the new text.
        var third = await decisions.SetManifestAsync(Alice.AppId, Platform.WeChat,
            Json("""{"permission": {"scope.userLocation": {"desc": "Shops and delivery"}, "scope.camera": {"desc": "Scan codes"}}}"""));
        var again = await authorizer.TryAuthorizeAsync(request).Guarded();
        await authorizer.TryAuthorizeAsync(request).Guarded();

        Assert.True(again.Succeeded);
        Assert.Equal(2, prompter.Count);
        Assert.Equal("Shops and delivery", prompter.Shown.Last().Purposes["scope.userLocation"]);
        Assert.Equal((3L, 2L), (third.Version, third.Purposes["scope.camera"].Version));
        Assert.Equal(3, (await store.GetAsync(Alice, "scope.userLocation"))!.PurposeVersion);
        Assert.Equal([1L, 3L], (await store.GetAuditAsync(Alice)).Select(e => e.PurposeVersion));
    }

    [Fact]
    public async Task ImportDecisionsAsync_GrantToTheSamePurpose_NotAskedAgainUntilThePurposeChanges()
    {
        const string Manifest = """{"permission": {"scope.userLocation": {"desc": "Shops near you"}}}""";
        var request = new AuthorizeRequest("scope.userLocation") { Subject = Alice };
        var (source, sourceDecisions) = Create(Platform.WeChat, new ScriptedPrompter(PromptResult.AllowWhileUsing));
        using var _ = source;
        await sourceDecisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json(Manifest));
        await source.TryAuthorizeAsync(request).Guarded();
        using var document = new MemoryStream();
        await sourceDecisions.ExportDecisionsAsync(Alice, document);
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        var store = new InMemoryDecisionStore();
        var (target, targetDecisions) = Create(Platform.WeChat, prompter, o => o.Store = store);
        using var __ = target;
        await targetDecisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json(Manifest));

        await targetDecisions.ImportDecisionsAsync(Alice, new MemoryStream(document.ToArray()));
        var imported = await store.GetAsync(Alice, "scope.userLocation");
        var same = await target.TryAuthorizeAsync(request).Guarded();
        await targetDecisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json("""{"permission": {"scope.userLocation": {"desc": "Shops and delivery"}}}"""));
        await target.TryAuthorizeAsync(request).Guarded();

        Assert.Equal((1L, DecisionLifetime.WhileUsing), (imported!.PurposeVersion, imported.Lifetime));
        Assert.True(same.Succeeded);
        Assert.Equal(1, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeAsync_DeniedPurposeChanged_DenialStands()
    {
        var prompter = new ScriptedPrompter(PromptResult.Deny);
        var (authorizer, decisions) = Create(Platform.WeChat, prompter);
        using var _ = authorizer;
        var request = new AuthorizeRequest("scope.camera") { Subject = Alice };
        await decisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json("""{"permission": {"scope.camera": {"desc": "Scan"}}}"""));
        await authorizer.TryAuthorizeAsync(request).Guarded();

        await decisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json("""{"permission": {"scope.camera": {"desc": "Scan, now with photos"}}}"""));
        var outcome = await authorizer.TryAuthorizeAsync(request).Guarded();

        Assert.Equal(AuthorizeErrorCode.Denied, outcome.Error!.Code);
        Assert.Equal(1, prompter.Count);
    }

    [Fact]
    public async Task TryAuthorizeAsync_ManifestChangedOnAnotherInstance_CountsAfterTheCacheDuration()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var manifests = new InMemoryAppManifestStore();
        var prompter = new ScriptedPrompter(PromptResult.Allow);
        using var one = TestAuthorizer.Create(Platform.WeChat, prompter, time, configure: o => o.ManifestStore = manifests);
        using var other = TestAuthorizer.Create(Platform.WeChat, prompter, time, configure: o => o.ManifestStore = manifests);
        var request = new AuthorizeRequest("scope.camera") { Subject = Alice };
        await one.TryAuthorizeAsync(request).Guarded();

        await new DecisionManager(other).SetManifestAsync(Alice.AppId, Platform.WeChat, Json("""{"permission": {}}"""));
        var cached = await one.TryAuthorizeAsync(request).Guarded();
        time.Advance(TimeSpan.FromSeconds(30));
        var reread = await one.TryAuthorizeAsync(request).Guarded();

        Assert.True(cached.Succeeded);
        Assert.Equal(AuthorizeErrorCode.Undeclared, reread.Error!.Code);
    }

    [Theory]
    [InlineData("[]", "JSON object")]
    [InlineData("""{"permission": []}""", "'permission' is an object")]
    [InlineData("""{"permission": {"scope.teleport": {"desc": "x"}}}""", "not a scope on WeChat")]
    [InlineData("""{"permission": {"scope.camera": {"desc": ""}}}""", "'permission.scope.camera.desc' is 1 to 200")]
    [InlineData("""{"permission": {"scope.camera": {"desc": 5}}}""", "one string field, 'desc'")]
    [InlineData("""{"permission": {"scope.camera": {"desc": "x", "why": "y"}}}""", "one string field, 'desc'")]
    [InlineData("""{"requiredPrivateInfos": ["getLocation", "getLocation"]}""", "lists getLocation twice")]
    [InlineData("""{"requiredPrivateInfos": ["launchMissiles"]}""", "lists only these APIs")]
    [InlineData("""{"requiredPrivateInfos": "getLocation"}""", "is an array")]
    [InlineData("""{"requiredPrivateInfos": ["getFuzzyLocation", "chooseAddress", "getLocation"]}""", "cannot list both getLocation and getFuzzyLocation")]
    public async Task SetManifestAsync_Malformed_ThrowsNamingTheFieldAndStoresNothing(string json, string message)
    {
        var (authorizer, decisions) = Create(Platform.WeChat, new ScriptedPrompter(PromptResult.Allow));
        using var _ = authorizer;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => decisions.SetManifestAsync(Alice.AppId, Platform.WeChat, Json(json)).AsTask());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Null(await decisions.GetManifestAsync(Alice.AppId));
    }

    [Fact]
    public async Task SetManifestAsync_RequiredPrivateInfosOffWeChat_Throws()
    {
        var (authorizer, decisions) = Create(Platform.ByteDance, new ScriptedPrompter(PromptResult.Allow));
        using var _ = authorizer;

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            decisions.SetManifestAsync(Alice.AppId, Platform.ByteDance, Json("""{"requiredPrivateInfos": ["getLocation"]}""")).AsTask());

        Assert.Contains("WeChat's", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetManifestAsync_NativeScopeName_StoredUnderTheCanonicalName()
    {
        var (authorizer, decisions) = Create(Platform.ByteDance, new ScriptedPrompter(PromptResult.Allow));
        using var _ = authorizer;

        var manifest = await decisions.SetManifestAsync(Alice.AppId, Platform.ByteDance, Json("""{"permission": {"scope.album": {"desc": "Save your poster"}}}"""));

        Assert.Equal("Save your poster", manifest.Purposes["scope.writePhotosAlbum"].Description);
        Assert.Equal(1, manifest.Version);
    }

    [Fact]
    public async Task SetManifestAsync_NativeAndCanonicalNameOfOneScope_Throws()
    {
        var (authorizer, decisions) = Create(Platform.ByteDance, new ScriptedPrompter(PromptResult.Allow));
        using var _ = authorizer;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => decisions.SetManifestAsync(Alice.AppId, Platform.ByteDance,
            Json("""{"permission": {"scope.album": {"desc": "a"}, "scope.writePhotosAlbum": {"desc": "b"}}}""")).AsTask());

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }
}
