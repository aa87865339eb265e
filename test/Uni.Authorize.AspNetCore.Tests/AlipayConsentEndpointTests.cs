using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>Alipay's consent model over HTTP: the answer's <c>dontAskAgain</c>, Alipay's codes, getAuthCode's scopes and
/// getOpenUserInfo's 40003 response.</summary>
public sealed class AlipayConsentEndpointTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private HttpClient _app = null!;
    private HttpClient _user = null!;

    public async ValueTask InitializeAsync()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.Alipay);
        var userId = await _host.CreateUserAsync("alice");
        _app = await _host.MiniAppAsync(appId, userId);
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Answer_PlainDenyThenDontAskAgain_2001AskedAgain2003Then2002AtOnce()
    {
        var first = PostJson(_app, "/api/v1/apis/getLocation/authorize?wait=15", new { });
        var consent = await PendingConsentAsync(_user);
        Assert.True((bool)consent["offersDontAskAgain"]!);
        await AnswerAsync(_user, (string)consent["id"]!, "deny");
        Assert.Equal(2001, (int)(await Json(await first.WaitAsync(Patience)))["native"]!["error"]!);

        var second = PostJson(_app, "/api/v1/apis/getLocation/authorize?wait=15", new { });
        var asked = await PendingConsentAsync(_user);
        var answered = await _user.PostAsJsonAsync($"/api/v1/user/consents/{asked["id"]}/answer", new { answer = "deny", dontAskAgain = true });
        Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
        Assert.Equal(2003, (int)(await Json(await second.WaitAsync(Patience)))["native"]!["error"]!);

        var third = await Json(await PostJson(_app, "/api/v1/apis/getLocation/authorize?wait=0", new { }));
        Assert.Equal(2002, (int)third["native"]!["error"]!);
        Assert.Empty((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
    }

    [Fact]
    public async Task Answer_DontAskAgainForAGetAuthCodeScope_400AndTheConsentStaysOpen()
    {
        var call = PostJson(_app, "/api/v1/authorize?wait=15", new { scope = "auth_user" });
        var consent = await PendingConsentAsync(_user);

        var refused = await _user.PostAsJsonAsync($"/api/v1/user/consents/{consent["id"]}/answer", new { answer = "deny", dontAskAgain = true });
        await AnswerAsync(_user, (string)consent["id"]!, "deny");

        Assert.False((bool)consent["offersDontAskAgain"]!);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_answer", (string)(await Json(refused))["code"]!);
        Assert.Equal(11, (int)(await Json(await call.WaitAsync(Patience)))["native"]!["error"]!);
    }

    [Fact]
    public async Task Authorize_DevicePermissionThroughGetAuthCode_RefusedWithoutDialog()
    {
        var answer = await Json(await PostJson(_app, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }));

        Assert.Equal("fail", (string)answer["status"]!);
        Assert.Equal(2, (int)answer["native"]!["error"]!);
        Assert.Empty((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
    }

    [Fact]
    public async Task Data_GetOpenUserInfoWithoutAuthorization_Success40003Response()
    {
        var gate = await Json(await PostJson(_app, "/api/v1/apis/getOpenUserInfo/authorize?wait=0", new { }));
        var data = await Json(await PostJson(_app, "/api/v1/apis/getOpenUserInfo/data", new { }));

        Assert.Equal("ok", (string)gate["status"]!);
        Assert.Equal("ok", (string)data["status"]!);
        var response = JsonNode.Parse((string)data["native"]!["response"]!)!["response"]!;
        Assert.Equal("40003", (string)response["code"]!);
        Assert.Equal("isv.invalid-auth-relations", (string)response["subCode"]!);
        Assert.Empty((await _user.GetFromJsonAsync<JsonObject>("/api/v1/user/consents"))!["consents"]!.AsArray());
    }
}
