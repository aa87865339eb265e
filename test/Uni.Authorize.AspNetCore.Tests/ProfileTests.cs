using System.Net;
using System.Net.Http.Json;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The profile a user shows apps, through the user's API and the operator's.</summary>
public sealed class ProfileTests : IAsyncLifetime
{
    private readonly TestHost _host = new();
    private HttpClient _user = null!;
    private string _userId = null!;

    public async ValueTask InitializeAsync()
    {
        _userId = await _host.CreateUserAsync("alice");
        _user = await _host.UserAsync("alice");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task GetProfile_NoneSet_TheSignInNameWithoutAvatar()
    {
        var profile = await Json(await _user.GetAsync("/api/v1/user/profile"));

        Assert.Equal("alice", (string)profile["nickName"]!);
        Assert.Null(profile["avatarUrl"]);
    }

    [Fact]
    public async Task PutProfile_ByTheUser_StoredTrimmedAndInTheDataExport()
    {
        var response = await _user.PutAsJsonAsync("/api/v1/user/profile", new { nickName = "  小明 😀 ", avatarUrl = "https://example.com/a.png" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("小明 😀", (string)(await Json(await _user.GetAsync("/api/v1/user/profile")))["nickName"]!);
        var export = await Json(await _user.GetAsync("/api/v1/user/data"));
        Assert.Equal("小明 😀", (string)export["profile"]!["appProfile"]!["nickName"]!);
        Assert.Equal("https://example.com/a.png", (string)export["profile"]!["appProfile"]!["avatarUrl"]!);
    }

    [Fact]
    public async Task PutProfile_WithoutAntiforgeryToken_RefusedAndNothingStored()
    {
        _user.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var response = await _user.PutAsJsonAsync("/api/v1/user/profile", new { nickName = "forged" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("alice", (string)(await Json(await _user.GetAsync("/api/v1/user/profile")))["nickName"]!);
    }

    [Theory]
    [InlineData("""{"nickName":""}""", "invalid_nickname")]
    [InlineData("""{"nickName":"   "}""", "invalid_nickname")]
    [InlineData("""{"nickName":"a\u0007b"}""", "invalid_nickname")]
    [InlineData("""{"nickName":"\ud800"}""", "invalid_json")]
    [InlineData("""{"avatarUrl":"https://example.com/a.png"}""", "invalid_nickname")]
    [InlineData("""{"nickName":"n","avatarUrl":"http://example.com/a.png"}""", "invalid_avatar_url")]
    [InlineData("""{"nickName":"n","avatarUrl":"javascript:alert(1)"}""", "invalid_avatar_url")]
    [InlineData("""{"nickName":"n","avatarUrl":"https://user:pw@example.com/a.png"}""", "invalid_avatar_url")]
    [InlineData("""{"nickName":"n","avatarUrl":"/a.png"}""", "invalid_avatar_url")]
    public async Task PutProfile_BadInput_400ProblemNamingTheField(string body, string code)
    {
        var response = await _user.PutAsync("/api/v1/user/profile", RawJson(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task PutProfile_NickNameOver64Characters_400Problem()
    {
        var response = await _user.PutAsJsonAsync("/api/v1/user/profile", new { nickName = new string('名', 65) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_nickname", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task AdminPutProfile_StoredUser_TheUserSeesItAndAnEmptyAvatarClearsIt()
    {
        using var admin = _host.Admin();

        var set = await admin.PutAsJsonAsync($"/admin/v1/users/{_userId}/profile", new { nickName = "Alice", avatarUrl = "https://example.com/a.png" });
        var cleared = await admin.PutAsJsonAsync($"/admin/v1/users/{_userId}/profile", new { nickName = "Alice", avatarUrl = "" });

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        var profile = await Json(await _user.GetAsync("/api/v1/user/profile"));
        Assert.Equal("Alice", (string)profile["nickName"]!);
        Assert.Null(profile["avatarUrl"]);
    }

    [Fact]
    public async Task AdminPutProfile_UnknownUser_404Problem()
    {
        using var admin = _host.Admin();

        var response = await admin.PutAsJsonAsync("/admin/v1/users/u_missing/profile", new { nickName = "n" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("user_not_found", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task AdminPutProfile_WithoutTheAdminKey_Unauthorized()
    {
        using var anonymous = _host.CreateClient();

        var response = await anonymous.PutAsJsonAsync($"/admin/v1/users/{_userId}/profile", new { nickName = "n" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task DeleteData_UserWithProfile_TheProfileGoesWithTheUser()
    {
        using var admin = _host.Admin();
        await admin.PutAsJsonAsync($"/admin/v1/users/{_userId}/profile", new { nickName = "Alice" });

        await admin.DeleteAsync($"/admin/v1/users/{_userId}/data");

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/admin/v1/users/{_userId}/profile")).StatusCode);
    }
}
