using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The catalog (<c>GET /api/v1/scopes</c>) as the one place the bridge and the pages learn a platform from:
/// each platform's APIs with their scopes and kinds, its global, its authorize call and its failures, written in C#
/// once and carried by the bridge script the host serves.</summary>
public sealed class CatalogEndpointTests : IAsyncLifetime
{
    private static readonly Platform[] Platforms = [Platform.WeChat, Platform.Alipay, Platform.ByteDance, Platform.Baidu, Platform.Kuaishou];

    private readonly TestHost _host = new();
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = _host.CreateClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Catalog_EveryPlatform_ListsTheApisOfTheCoreCatalogWithTheirScopesAndKinds()
    {
        var catalog = (await _client.GetFromJsonAsync<JsonArray>("/api/v1/scopes"))!;

        Assert.Equal(["wechat", "alipay", "bytedance", "baidu", "kuaishou"], catalog.Select(e => (string)e!["platform"]!));
        foreach (var platform in Platforms)
        {
            var entry = catalog.Single(e => (string)e!["platform"]! == PlatformNames.Of(platform))!;
            var apis = entry["apis"]!.AsArray().ToDictionary(a => (string)a!["name"]!, a => a!);
            var core = ScopeCatalog.Apis(platform);
            Assert.Equal(core.Keys.Order(StringComparer.Ordinal), apis.Keys);
            foreach (var (name, scope) in core)
            {
                Assert.Equal(scope, (string?)apis[name]["scope"]);
                var kind = UserInfoEndpoints.Serves(platform, name) ? "data"
                    : scope is null ? "picker"
                    : (platform, name) is (Platform.WeChat, "getPhoneNumber") ? "code"
                    : "gated";
                Assert.Equal(kind, (string)apis[name]["kind"]!);
            }

            // A scope of null is written, not left out: "runs without asking" must not read as "unknown".
            Assert.All(apis.Values, a => Assert.True(a.AsObject().ContainsKey("scope")));
        }
    }

    [Fact]
    public async Task Catalog_Alipay_HasItsPickersContactsBluetoothAndGetAuthUserInfo()
    {
        var alipay = (await _client.GetFromJsonAsync<JsonObject>("/api/v1/scopes/alipay"))!;

        var apis = alipay["apis"]!.AsArray().ToDictionary(a => (string)a!["name"]!, a => a!);
        Assert.Equal("my", (string)alipay["global"]!);
        Assert.Equal("getAuthCode", (string)alipay["authorize"]!["api"]!);
        Assert.Equal("scopes", (string)alipay["authorize"]!["option"]!);
        Assert.Equal("auth_base", (string)alipay["authorize"]!["default"]!);
        Assert.Equal("scope.userInfo", (string)apis["getAuthUserInfo"]["scope"]!);
        Assert.Equal("data", (string)apis["getAuthUserInfo"]["kind"]!);
        foreach (var picker in new[] { "chooseLocation", "choosePhoneContact", "chooseAlipayContact", "chooseContact", "addPhoneContact", "openBluetoothAdapter" })
        {
            Assert.Null((string?)apis[picker]["scope"]);
            Assert.Equal("picker", (string)apis[picker]["kind"]!);
        }
    }

    [Theory]
    [InlineData("wechat", "cancel", """{"errMsg":"{api}:fail cancel"}""")]
    [InlineData("wechat", "systemDenied", """{"errMsg":"{api}:fail system permission denied"}""")]
    [InlineData("alipay", "cancel", """{"error":11,"errorMessage":"用户取消操作"}""")]
    [InlineData("alipay", "systemDenied", """{"error":2001,"errorMessage":"系统权限未开启"}""")]
    [InlineData("bytedance", "cancel", """{"errMsg":"{api}:fail cancel","errNo":"10207"}""")]
    [InlineData("baidu", "cancel", """{"errMsg":"{api}:fail cancel","errCode":1002}""")]
    [InlineData("kuaishou", "unavailable", """{"errMsg":"{api}:fail not available"}""")]
    [InlineData("kuaishou", "invalidScope", """{"errMsg":"invalid scope"}""")]
    public async Task Catalog_Failures_InThePlatformsOwnShape(string platform, string kind, string payload)
    {
        var entry = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/scopes/{platform}"))!;

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(payload), entry["failures"]![kind]), entry["failures"]![kind]!.ToJsonString());
    }

    [Fact]
    public async Task Catalog_EveryPlatform_HasAPayloadForEveryFailureTheBridgeBuilds()
    {
        var catalog = (await _client.GetFromJsonAsync<JsonArray>("/api/v1/scopes"))!;

        string[] kinds = ["timeout", "system", "notSupported", "invalidParam", "invalidScope", "sessionExpired", .. PlatformSurface.ProviderReasons];
        Assert.All(catalog, entry => Assert.Equal(kinds.Order(), entry!["failures"]!.AsObject().Select(p => p.Key).Order()));
    }

    [Fact]
    public async Task Catalog_FromTheSandboxsOpaqueOrigin_AnswersCorsWithoutCredentials()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/scopes/wechat");
        request.Headers.Add("Origin", "null");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("null", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task BridgeScript_CarriesTheCatalogTheEndpointAnswers()
    {
        var script = await _client.GetStringAsync(BridgeEndpoints.ScriptPath);
        var catalog = await _client.GetStringAsync("/api/v1/scopes");

        Assert.Contains(catalog, script, StringComparison.Ordinal);
        Assert.DoesNotContain(BridgeEndpoints.CatalogMarker, script, StringComparison.Ordinal);
        // The catalog holds user-visible text: nothing in it may close the script element of a page that inlines it.
        Assert.DoesNotContain("</", catalog, StringComparison.Ordinal);
    }
}
