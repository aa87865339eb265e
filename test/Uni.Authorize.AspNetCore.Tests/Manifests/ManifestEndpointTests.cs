using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests.Manifests;

public sealed class ManifestEndpointTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private HttpClient _admin = null!;
    private HttpClient _app = null!;
    private HttpClient _user = null!;
    private string _appId = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _admin = _host.Admin();
        (_appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var userId = await _host.CreateUserAsync("alice");
        _app = await _host.MiniAppAsync(_appId, userId);
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        _app.Dispose();
        _user.Dispose();
        await _host.DisposeAsync();
    }

    private Task<HttpResponseMessage> PutManifestAsync(string json) =>
        _admin.PutAsync($"/admin/v1/apps/{_appId}/manifest", RawJson(json), Ct);

    [Fact]
    public async Task PutManifest_TwiceThenGet_VersionCountsAndUnchangedPurposeKeepsItsVersion()
    {
        var first = await PutManifestAsync("""
            {"pages": ["pages/index"], "permission": {"scope.userLocation": {"desc": "用于推荐附近门店"}, "scope.camera": {"desc": "Scan codes"}},
             "requiredPrivateInfos": ["getLocation"]}
            """);
        var second = await PutManifestAsync("""{"permission": {"scope.userLocation": {"desc": "用于推荐附近门店"}, "scope.camera": {"desc": "Scan receipts"}}}""");
        var read = await _admin.GetFromJsonAsync<JsonObject>($"/admin/v1/apps/{_appId}/manifest", Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, (long)(await Json(first))["version"]!);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, (long)read!["version"]!);
        Assert.Equal("用于推荐附近门店", (string)read["permission"]!["scope.userLocation"]!["desc"]!);
        Assert.Equal(1, (long)read["permission"]!["scope.userLocation"]!["version"]!);
        Assert.Equal(2, (long)read["permission"]!["scope.camera"]!["version"]!);
        Assert.Empty(read["requiredPrivateInfos"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"permission": {"scope.userLocation": "nearby"}}""", "invalid_manifest")]
    [InlineData("""{"permission": {"scope.teleport": {"desc": "x"}}}""", "invalid_manifest")]
    [InlineData("""{"requiredPrivateInfos": ["getLocation", 1]}""", "invalid_manifest")]
    [InlineData("""{"permission": """, "invalid_json")]
    public async Task PutManifest_BadBody_400ProblemAndNothingStored(string json, string code)
    {
        var response = await PutManifestAsync(json);
        var read = await _admin.GetAsync($"/admin/v1/apps/{_appId}/manifest", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (string)(await Json(response))["code"]!);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task PutManifest_UnknownAppOrNoKey_404Or401()
    {
        var unknown = await _admin.PutAsync("/admin/v1/apps/wx_nope/manifest", RawJson("""{"permission": {}}"""), Ct);
        using var anonymous = _host.CreateClient();
        var noKey = await anonymous.PutAsync($"/admin/v1/apps/{_appId}/manifest", RawJson("""{"permission": {}}"""), Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Fact]
    public async Task ApiGate_ApiNotInRequiredPrivateInfos_FailsWithWeChatsMessageAndNoConsent()
    {
        (await PutManifestAsync("""{"permission": {"scope.userLocation": {"desc": "Nearby shops"}}}""")).EnsureSuccessStatusCode();

        var result = await Json(await _app.PostAsync("/api/v1/apis/getLocation/authorize?wait=0", null, Ct));
        var consents = await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents", Ct);

        Assert.Equal("getLocation:fail the api need to be declared in the requiredPrivateInfos field in app.json/ext.json", (string)result["native"]!["errMsg"]!);
        Assert.Empty(consents!["consents"]!.AsArray());
    }

    [Fact]
    public async Task Consent_DeclaredPurpose_ShownBesideTheScopeAndAnswerRecordsItsVersion()
    {
        (await PutManifestAsync("""{"permission": {"scope.userLocation": {"desc": "Nearby shops"}}, "requiredPrivateInfos": ["getLocation"]}""")).EnsureSuccessStatusCode();
        var call = PostJson(_app, "/api/v1/apis/getLocation/authorize?wait=15", new { });

        var consent = await PendingConsentAsync(_user);
        await AnswerAsync(_user, (string)consent["id"]!, "allow");
        var result = await Json(await call.WaitAsync(Patience, Ct));

        Assert.Equal("Nearby shops", (string)consent["scopes"]![0]!["purpose"]!);
        Assert.Equal("getLocation:ok", (string)result["native"]!["errMsg"]!);
    }
}
