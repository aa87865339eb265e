using System.Net;
using System.Text;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class BadInputTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private HttpClient _app = null!;

    public async ValueTask InitializeAsync()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        _app = await _host.MiniAppAsync(appId, await _host.CreateUserAsync("alice"));
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("{\"scope\":", "invalid_json")]
    [InlineData("[1,2]", "invalid_json")]
    [InlineData("{\"scope\":42}", "invalid_json")]
    [InlineData("{\"scope\":\"scope.camera\",\"extra\":1}", "invalid_json")]
    [InlineData("{}", "invalid_scope")]
    [InlineData("{\"scope\":\"scope.camera\",\"scopes\":[\"scope.camera\"]}", "invalid_scope")]
    [InlineData("{\"scopes\":[]}", "invalid_scope")]
    [InlineData("{\"scopes\":[null]}", "invalid_scope")]
    [InlineData("null", "invalid_json")]
    public async Task Authorize_MalformedBody_Answers400ProblemWithACode(string body, string code)
    {
        var response = await _app.PostAsync("/api/v1/authorize?wait=0", RawJson(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(code, (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Authorize_BadUtf8_Answers400()
    {
        var content = new ByteArrayContent([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        content.Headers.ContentType = new("application/json");

        var response = await _app.PostAsync("/api/v1/authorize?wait=0", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Authorize_WrongContentType_Answers415Problem()
    {
        var response = await _app.PostAsync("/api/v1/authorize", new StringContent("scope=scope.camera", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task UnknownPath_Answers404Problem()
    {
        var response = await _app.GetAsync("/api/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Authorize_HugeBody_Answers413Problem()
    {
        var response = await _app.PostAsync("/api/v1/authorize", RawJson("{\"scope\":\"" + new string('a', 100_000) + "\"}"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("999999")]
    public async Task Authorize_BadWait_Answers400(string wait)
    {
        var response = await _app.PostAsync("/api/v1/authorize?wait=" + wait, RawJson("{\"scope\":\"scope.camera\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_wait", (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData("Basic abc")]
    [InlineData("Bearer ")]
    [InlineData("Bearer st_not-a-token")]
    public async Task Authorize_BadSessionHeader_Answers401Problem(string header)
    {
        using var client = _host.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);

        var response = await client.PostAsync("/api/v1/authorize", RawJson("{\"scope\":\"scope.camera\"}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("session_invalid", (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData("get-Location")]
    [InlineData("get%20Location")]
    public async Task ApiGate_MalformedApiName_Answers400(string api)
    {
        var response = await _app.PostAsync($"/api/v1/apis/{api}/authorize", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_api", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task AdminCreateApp_UnknownPlatform_Answers400()
    {
        using var admin = _host.Admin();

        var response = await admin.PostAsync("/admin/v1/apps", RawJson("{\"name\":\"x\",\"platform\":\"web\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_app", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task SignIn_BlankName_Answers400()
    {
        using var client = _host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var response = await client.PostAsync("/api/v1/user/sign-in", RawJson("{\"name\":\"  \"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_name", (string)(await Json(response))["code"]!);
    }
}
