using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.Tests.Portability;

public sealed class DecisionPortabilityTests
{
    private static readonly Subject Alice = new("app-1", "alice");
    private static readonly Subject Bob = new("app-1", "bob");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (Authorizer Authorizer, InMemoryDecisionStore Store, FakeTimeProvider Time) Create()
    {
        var store = new InMemoryDecisionStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        return (new Authorizer(new UniAuthorizeOptions { Store = store, TimeProvider = time, Platform = Platform.WeChat }), store, time);
    }

    private static async Task<byte[]> ExportAsync(Authorizer authorizer, Subject subject)
    {
        using var stream = new MemoryStream();
        await new DecisionManager(authorizer).ExportDecisionsAsync(subject, stream, Ct);
        return stream.ToArray();
    }

    private static Task<DecisionImportResult> ImportAsync(Authorizer authorizer, Subject subject, byte[] json, bool replace = false) =>
        new DecisionManager(authorizer).ImportDecisionsAsync(subject, new MemoryStream(json), new DecisionImportOptions { ReplaceExisting = replace }, Ct).AsTask();

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task ExportDecisionsAsync_Subject_WritesItsDecisionsAndAuditOnly()
    {
        var (authorizer, _, _) = Create();
        await new DecisionManager(authorizer).SetDecisionAsync(Alice, "scope.camera", DecisionState.Granted, cancellationToken: Ct);
        await new DecisionManager(authorizer).SetDecisionAsync(Alice, "scope.camera", DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        await new DecisionManager(authorizer).SetDecisionAsync(Alice, "scope.record", DecisionState.Granted, cancellationToken: Ct);
        await new DecisionManager(authorizer).SetDecisionAsync(Bob, "scope.werun", DecisionState.Granted, cancellationToken: Ct);

        using var json = JsonDocument.Parse(await ExportAsync(authorizer, Alice));

        var root = json.RootElement;
        Assert.Equal("uni-authorize.decisions/1", root.GetProperty("format").GetString());
        Assert.Equal("app-1", root.GetProperty("appId").GetString());
        Assert.Equal("alice", root.GetProperty("userId").GetString());
        var decisions = root.GetProperty("decisions").EnumerateArray().ToArray();
        Assert.Equal(["scope.camera", "scope.record"], decisions.Select(d => d.GetProperty("scope").GetString()));
        Assert.Equal("Denied", decisions[0].GetProperty("state").GetString());
        Assert.Equal("Settings", decisions[0].GetProperty("source").GetString());
        Assert.Equal(3, root.GetProperty("audit").GetArrayLength());
        Assert.DoesNotContain("scope.werun", root.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportDecisionsAsync_ExportedDocument_RecreatesTheAnswersOnAnotherHost()
    {
        var (source, _, _) = Create();
        await new DecisionManager(source).SetDecisionAsync(Alice, "scope.camera", DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        await new DecisionManager(source).SetDecisionAsync(Alice, "scope.userLocation", DecisionState.Granted, cancellationToken: Ct);
        var (target, targetStore, _) = Create();

        var result = await ImportAsync(target, Alice, await ExportAsync(source, Alice));

        Assert.Equal(["scope.camera", "scope.userLocation"], result.Imported);
        Assert.Empty(result.Skipped);
        var camera = await targetStore.GetAsync(Alice, "scope.camera", Ct);
        Assert.Equal(DecisionState.Denied, camera!.State);
        Assert.Equal(DecisionSource.Admin, camera.Source);
        Assert.Equal((await new DecisionManager(source).ExportAsync(Alice, Ct)).Decisions[0].DecidedAt, camera.DecidedAt);
        Assert.Equal(AuthorizeErrorCode.Denied, (await target.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, Ct)).Error!.Code);
        Assert.True((await target.TryAuthorizeAsync(new AuthorizeRequest("scope.userLocation") { Subject = Alice }, Ct)).Succeeded);
    }

    [Fact]
    public async Task ImportDecisionsAsync_ScopeAlreadyAnswered_KeptUnlessReplaceExisting()
    {
        var (source, _, _) = Create();
        await new DecisionManager(source).SetDecisionAsync(Alice, "scope.camera", DecisionState.Granted, cancellationToken: Ct);
        var document = await ExportAsync(source, Alice);
        var (target, targetStore, _) = Create();
        await new DecisionManager(target).SetDecisionAsync(Alice, "scope.camera", DecisionState.Denied, cancellationToken: Ct);

        var kept = await ImportAsync(target, Alice, document);
        Assert.Equal(["scope.camera"], kept.Skipped);
        Assert.Equal(DecisionState.Denied, (await targetStore.GetAsync(Alice, "scope.camera", Ct))!.State);

        var replaced = await ImportAsync(target, Alice, document, replace: true);
        Assert.Equal(["scope.camera"], replaced.Imported);
        Assert.Equal(DecisionState.Granted, (await targetStore.GetAsync(Alice, "scope.camera", Ct))!.State);
    }

    [Fact]
    public async Task ImportDecisionsAsync_ExpiredEntry_Skipped()
    {
        var (target, targetStore, time) = Create();
        var document = Json($$"""
            {"format":"uni-authorize.decisions/1","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00+00:00",
             "decisions":[{"scope":"scope.camera","state":"Granted","source":"Prompt","decidedAt":"2026-01-01T00:00:00+00:00","expiresAt":"{{time.GetUtcNow().AddSeconds(-1):O}}"}]}
            """);

        var result = await ImportAsync(target, Alice, document);

        Assert.Equal(["scope.camera"], result.Skipped);
        Assert.Null(await targetStore.GetAsync(Alice, "scope.camera", Ct));
    }

    [Fact]
    public async Task ImportDecisionsAsync_DocumentOfAnotherSubject_ThrowsAndWritesNothing()
    {
        var (source, _, _) = Create();
        await new DecisionManager(source).SetDecisionAsync(Bob, "scope.camera", DecisionState.Granted, cancellationToken: Ct);
        var bobsDocument = await ExportAsync(source, Bob);
        var (target, targetStore, _) = Create();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ImportAsync(target, Alice, bobsDocument));

        Assert.Contains("another app or user", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await targetStore.ListAsync(Alice, Ct));
        Assert.Empty(await targetStore.ListAsync(Bob, Ct));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("""{"format":"other/9","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00Z","decisions":[]}""")]
    [InlineData("""{"format":"uni-authorize.decisions/1","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00Z"}""")]
    [InlineData("""{"format":"uni-authorize.decisions/1","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00Z","decisions":[],"extra":1}""")]
    [InlineData("""{"format":"uni-authorize.decisions/1","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00Z","decisions":[{"scope":"scope.camera","state":"Maybe","source":"Prompt","decidedAt":"2026-01-01T00:00:00Z","expiresAt":null}]}""")]
    [InlineData("""{"format":"uni-authorize.decisions/1","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00Z","decisions":[{"scope":"scope.camera","state":7,"source":"Prompt","decidedAt":"2026-01-01T00:00:00Z","expiresAt":null}]}""")]
    [InlineData("""{"format":"uni-authorize.decisions/1","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00Z","decisions":[{"scope":"scope.bogus","state":"Granted","source":"Prompt","decidedAt":"2026-01-01T00:00:00Z","expiresAt":null}]}""")]
    [InlineData("""{"format":"uni-authorize.decisions/1","appId":"app-1","userId":"alice","exportedAt":"2026-01-01T00:00:00Z","decisions":[{"scope":"scope.record","state":"Granted","source":"Prompt","decidedAt":"2026-01-01T00:00:00Z","expiresAt":null},{"scope":"scope.record","state":"Denied","source":"Prompt","decidedAt":"2026-01-01T00:00:00Z","expiresAt":null}]}""")]
    public async Task ImportDecisionsAsync_InvalidDocument_ThrowsInvalidDataAndWritesNothing(string document)
    {
        var (target, targetStore, _) = Create();

        await Assert.ThrowsAsync<InvalidDataException>(() => ImportAsync(target, Alice, Json(document)));

        Assert.Empty(await targetStore.ListAsync(Alice, Ct));
    }

    [Fact]
    public async Task ImportDecisionsAsync_DocumentOverTheSizeLimit_ThrowsBeforeParsing()
    {
        var (target, _, _) = Create();
        var huge = new byte[DecisionManager.MaxImportBytes + 1];
        Array.Fill(huge, (byte)' ');

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ImportAsync(target, Alice, huge));

        Assert.Contains("larger than", ex.Message, StringComparison.Ordinal);
    }
}
