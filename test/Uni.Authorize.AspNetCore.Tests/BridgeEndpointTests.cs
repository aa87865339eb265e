using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>What the mini-program bridge needs from the host: its script, the WeChat privacy agreement and plugin
/// authorization.</summary>
public sealed class BridgeEndpointTests : IAsyncLifetime
{
    private const string PrivacyApp = "wx-privacy";
    private const string ContractName = "《示例隐私保护指引》";

    private readonly TestHost _host = new(new Dictionary<string, string?>
    {
        [$"Host:PrivacyContracts:{PrivacyApp}:Name"] = ContractName,
        [$"Host:PrivacyContracts:{PrivacyApp}:Url"] = "/privacy/wx-privacy.html",
    });

    private HttpClient _privacyApp = null!;
    private HttpClient _plainApp = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync()
    {
        await _host.CreateAppAsync(Platform.WeChat, PrivacyApp);
        var (plainId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var userId = await _host.CreateUserAsync("alice");
        _privacyApp = await _host.MiniAppAsync(PrivacyApp, userId);
        _plainApp = await _host.MiniAppAsync(plainId, userId);
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task BridgeScript_Get_ServesTheEmbeddedScriptAndRevalidatesByETag()
    {
        using var client = _host.CreateClient();
        var response = await client.GetAsync("/bridge/uni-bridge.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("UniBridge", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var etag = response.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, "/bridge/uni-bridge.js");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task GetPrivacySetting_AppWithoutContract_NeedsNoAuthorization()
    {
        var setting = await _plainApp.GetFromJsonAsync<JsonObject>("/api/v1/privacy");

        Assert.False((bool)setting!["needAuthorization"]!);
        Assert.Equal(string.Empty, (string)setting["privacyContractName"]!);
        Assert.Equal("getPrivacySetting:ok", (string)setting["errMsg"]!);
    }

    [Fact]
    public async Task Authorize_AppWithContractBeforeAgreement_FailsWithErrno104AndAsksNobody()
    {
        var result = await Json(await PostJson(_privacyApp, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }));

        Assert.Equal("fail", (string)result["status"]!);
        Assert.Equal("privacy_not_authorized", (string)result["error"]!["code"]!);
        Assert.Equal(104, (int)result["native"]!["errno"]!);
        Assert.Equal("authorize:fail privacy permission is not authorized", (string)result["native"]!["errMsg"]!);
        Assert.Empty((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
    }

    [Fact]
    public async Task AuthorizeApi_AppWithContractBeforeAgreement_FailsWithApiLevelErrno104()
    {
        var result = await Json(await _privacyApp.PostAsync("/api/v1/apis/getLocation/authorize?wait=0", null));

        Assert.Equal("fail", (string)result["status"]!);
        Assert.Equal(104, (int)result["native"]!["errno"]!);
        Assert.Equal("getLocation:fail privacy permission is not authorized", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task RequirePrivacyAuthorize_UserAgreesInTheConsentPage_OpensTheScopesDialog()
    {
        var setting = await _privacyApp.GetFromJsonAsync<JsonObject>("/api/v1/privacy");
        Assert.True((bool)setting!["needAuthorization"]!);
        Assert.Equal(ContractName, (string)setting["privacyContractName"]!);

        var pending = await _privacyApp.PostAsync("/api/v1/privacy/authorize?wait=0", null);
        Assert.Equal(HttpStatusCode.Accepted, pending.StatusCode);
        var consent = await PendingConsentAsync(_user);
        Assert.Equal("privacy", (string)consent["scopes"]![0]!["name"]!);
        await AnswerAsync(_user, (string)consent["id"]!, "allow");

        var answer = await Json(await _privacyApp.GetAsync((string)(await Json(pending))["pollUrl"]! + "?wait=10").WaitAsync(Patience));
        Assert.Equal("requirePrivacyAuthorize:ok", (string)answer["native"]!["errMsg"]!);
        Assert.False((bool)(await _privacyApp.GetFromJsonAsync<JsonObject>("/api/v1/privacy"))!["needAuthorization"]!);

        var asked = await PostJson(_privacyApp, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        Assert.Equal("scope.userLocation", (string)(await PendingConsentAsync(_user))["scopes"]![0]!["name"]!);
    }

    [Fact]
    public async Task RequirePrivacyAuthorize_UserRefuses_FailsWithErrno104()
    {
        var call = _privacyApp.PostAsync("/api/v1/privacy/authorize?wait=15", null);
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "deny");

        var result = await Json(await call.WaitAsync(Patience));

        Assert.Equal("fail", (string)result["status"]!);
        Assert.Equal(104, (int)result["native"]!["errno"]!);
        Assert.Equal("requirePrivacyAuthorize:fail privacy permission is not authorized", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task RequirePrivacyAuthorize_AppWithoutContract_SucceedsAtOnce()
    {
        var result = await Json(await _plainApp.PostAsync("/api/v1/privacy/authorize?wait=0", null));

        Assert.Equal("ok", (string)result["status"]!);
        Assert.Equal("requirePrivacyAuthorize:ok", (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task PrivacyContract_DeclaredOrNot_AnswersTheContractOr404()
    {
        var contract = await _privacyApp.GetFromJsonAsync<JsonObject>("/api/v1/privacy/contract");
        Assert.Equal(ContractName, (string)contract!["name"]!);
        Assert.Equal("/privacy/wx-privacy.html", (string)contract["url"]!);

        var missing = await _plainApp.GetAsync("/api/v1/privacy/contract");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("no_privacy_contract", (string)(await Json(missing))["code"]!);
    }

    [Fact]
    public async Task PluginAuthorize_Camera_AsksTheUserAndTheDecisionBelongsToTheApp()
    {
        var call = PostJson(_plainApp, "/api/v1/plugin/authorize?wait=15", new { scope = "scope.camera" });
        await AnswerAsync(_user, (string)(await PendingConsentAsync(_user))["id"]!, "allow");
        var result = await Json(await call.WaitAsync(Patience));
        Assert.Equal("authorizeForMiniProgram:ok", (string)result["native"]!["errMsg"]!);

        var app = await Json(await PostJson(_plainApp, "/api/v1/authorize?wait=0", new { scope = "scope.camera" }));
        Assert.Equal("authorize:ok", (string)app["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task PluginAuthorize_ScopePluginsMayNotAskFor_FailsWithTheNativeMessage()
    {
        var result = await Json(await PostJson(_plainApp, "/api/v1/plugin/authorize?wait=0", new { scope = "scope.userLocation" }));

        Assert.Equal("not_supported_by_plugin", (string)result["error"]!["code"]!);
        Assert.Equal("authorizeForMiniProgram:fail scope \"scope.userLocation\" is not supported to be authorized by plugin",
            (string)result["native"]!["errMsg"]!);
    }

    [Fact]
    public async Task PluginAuthorize_ScopesArrayOrNoScope_Returns400()
    {
        var array = await PostJson(_plainApp, "/api/v1/plugin/authorize", new { scopes = new[] { "scope.camera" } });
        Assert.Equal(HttpStatusCode.BadRequest, array.StatusCode);
        Assert.Equal("invalid_scope", (string)(await Json(array))["code"]!);

        var empty = await _plainApp.PostAsync("/api/v1/plugin/authorize", RawJson("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task PrivacyAndPluginEndpoints_NonWeChatSession_Return400()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.ByteDance);
        var tt = await _host.MiniAppAsync(appId, await _host.CreateUserAsync("bob"));

        foreach (var response in new[]
                 {
                     await tt.GetAsync("/api/v1/privacy"),
                     await tt.PostAsync("/api/v1/privacy/authorize", null),
                     await tt.GetAsync("/api/v1/privacy/contract"),
                     await PostJson(tt, "/api/v1/plugin/authorize", new { scope = "scope.camera" }),
                 })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("wechat_only", (string)(await Json(response))["code"]!);
        }
    }

    [Fact]
    public async Task PrivacyEndpoints_NoSessionToken_Return401()
    {
        using var anonymous = _host.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/privacy")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/v1/privacy/authorize", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostJson(anonymous, "/api/v1/plugin/authorize", new { scope = "scope.camera" })).StatusCode);
    }

    [Fact]
    public async Task HostOptions_PrivacyContractWithoutUrl_FailsAtStart()
    {
        await using var host = new TestHost(new Dictionary<string, string?> { ["Host:PrivacyContracts:x:Name"] = "Contract" });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("PrivacyContracts[x] needs a Name and a Url", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("//elsewhere.example/contract")]
    [InlineData("https://elsewhere.example/contract")]
    [InlineData("contract.html")]
    public async Task HostOptions_PrivacyContractUrlNotAPathOnTheHost_FailsAtStart(string url)
    {
        await using var host = new TestHost(new Dictionary<string, string?>
        {
            ["Host:PrivacyContracts:x:Name"] = "Contract",
            ["Host:PrivacyContracts:x:Url"] = url,
        });

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains("PrivacyContracts[x].Url must be a path on this host", error.ToString(), StringComparison.Ordinal);
    }
}
