using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Uni.Authorize.Host;
using static Uni.Authorize.AspNetCore.Tests.TestHost;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The runnable host's JWT bearer sign-in (a shared HMAC key), its antiforgery rule, and name sign-in by address.</summary>
public sealed class SignInTests
{
    private const string Key = "a-test-signing-key-of-more-than-32-bytes";
    private const string Audience = "uni-authorize-host";
    private const string Issuer = "https://shell.test";

    private static TestHost JwtHost() => new(new Dictionary<string, string?>
    {
        ["Authentication:JwtBearer:SigningKey"] = Key,
        ["Authentication:JwtBearer:Audience"] = Audience,
        ["Authentication:JwtBearer:Issuer"] = Issuer,
    });

    [Fact]
    public async Task UserApi_BearerJwt_ReadsAndAnswersThatUsersConsentsWithoutAntiforgery()
    {
        await using var host = JwtHost();
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        using var bob = Bearer(host, Jwt(new { sub = "bob-7f3a", name = "Bob", aud = Audience, iss = Issuer }));

        var me = await bob.GetFromJsonAsync<JsonObject>("/api/v1/user/me");
        Assert.Equal("bob-7f3a", (string)me!["id"]!);
        Assert.Equal("Bob", (string)me["name"]!);

        var launched = await bob.PostAsync($"/api/v1/user/apps/{appId}/launch", null);
        Assert.Equal(HttpStatusCode.OK, launched.StatusCode);
        var session = await Json(launched);
        Assert.Equal("bob-7f3a", (string)session["userId"]!);
        using var miniApp = host.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        miniApp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)session["token"]!);
        var pending = await Json(await PostJson(miniApp, "/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }));

        var consent = await PendingConsentAsync(bob);
        Assert.Equal(appId, (string)consent["app"]!["id"]!);
        var answer = await bob.PostAsJsonAsync($"/api/v1/user/consents/{consent["id"]}/answer", new { answer = "allow" });

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        var result = await Json(await miniApp.GetAsync((string)pending["pollUrl"]! + "?wait=10").WaitAsync(Patience));
        Assert.Equal("ok", (string)result["status"]!);
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("audience")]
    [InlineData("issuer")]
    [InlineData("expired")]
    [InlineData("none")]
    public async Task UserApi_BadJwt_IsUnauthorized(string flaw)
    {
        await using var host = JwtHost();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = flaw switch
        {
            "signature" => Jwt(new { sub = "bob", aud = Audience, iss = Issuer }, "another-signing-key-of-more-than-32-bytes"),
            "audience" => Jwt(new { sub = "bob", aud = "someone-else", iss = Issuer }),
            "issuer" => Jwt(new { sub = "bob", aud = Audience, iss = "https://elsewhere.test" }),
            "expired" => Jwt(new { sub = "bob", aud = Audience, iss = Issuer, exp = now - 3600, nbf = now - 7200 }),
            _ => Unsigned(new { sub = "bob", aud = Audience, iss = Issuer }),
        };
        using var client = Bearer(host, token);

        var me = await client.GetAsync("/api/v1/user/me");
        var consents = await client.GetAsync("/api/v1/user/consents");

        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, consents.StatusCode);
        Assert.Equal("sign_in_required", (string)(await Json(consents))["code"]!);
    }

    [Fact]
    public async Task UserApi_JwtWithoutTheUserIdClaim_IsUnauthorized()
    {
        await using var host = JwtHost();
        using var client = Bearer(host, Jwt(new { name = "Nobody", aud = Audience, iss = Issuer }));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/user/me")).StatusCode);
    }

    [Fact]
    public async Task UserApi_CookieUserBesideJwtBearer_StillNeedsAntiforgery()
    {
        await using var host = JwtHost();
        var (appId, _) = await host.CreateAppAsync(Platform.Alipay);
        using var user = await host.UserAsync("carol");
        user.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

        var launch = await user.PostAsync($"/api/v1/user/apps/{appId}/launch", null);

        Assert.Equal(HttpStatusCode.BadRequest, launch.StatusCode);
        Assert.Equal("antiforgery_invalid", (string)(await Json(launch))["code"]!);
    }

    [Fact]
    public async Task UserApi_CookieWithSessionTokenHeader_IsTheCookieUserAndNeedsAntiforgery()
    {
        await using var host = JwtHost();
        var (appId, _) = await host.CreateAppAsync(Platform.Alipay);
        using var user = await host.UserAsync("dave");
        var session = await Json(await user.PostAsync($"/api/v1/user/apps/{appId}/launch", null));
        user.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        user.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)session["token"]!);

        var me = await user.GetFromJsonAsync<JsonObject>("/api/v1/user/me");
        var launch = await user.PostAsync($"/api/v1/user/apps/{appId}/launch", null);

        Assert.Equal("dave", (string)me!["name"]!);
        Assert.Equal(HttpStatusCode.BadRequest, launch.StatusCode);
        Assert.Equal("antiforgery_invalid", (string)(await Json(launch))["code"]!);
    }

    [Fact]
    public async Task SignOut_WithBearerJwt_AnswersNoContent()
    {
        await using var host = JwtHost();
        using var bob = Bearer(host, Jwt(new { sub = "bob", aud = Audience, iss = Issuer }));

        var response = await bob.PostAsync("/api/v1/user/sign-out", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("Authentication:JwtBearer:Audience", "", "Audience is missing")]
    [InlineData("Authentication:JwtBearer:SigningKey", "short", "at least 32 bytes")]
    [InlineData("Authentication:JwtBearer:Authority", "https://issuer.test", "not both or neither")]
    public void Start_BadJwtSetting_FailsNamingIt(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Authentication:JwtBearer:SigningKey"] = Key,
            ["Authentication:JwtBearer:Audience"] = Audience,
            [key] = value,
        };
        using var host = new TestHost(settings);

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains(message, Flatten(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authentication:OpenIdConnect:ClientId", "", "ClientId is missing")]
    [InlineData("Authentication:OpenIdConnect:Authority", "http://idp.test", "must be https")]
    [InlineData("Authentication:OpenIdConnect:Authority", "not a url", "absolute https URL")]
    [InlineData("Authentication:OpenIdConnect:RequireHttpsMetadata", "maybe", "use true or false")]
    public void Start_BadOpenIdConnectSetting_FailsNamingIt(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Authentication:OpenIdConnect:Authority"] = "https://idp.test",
            ["Authentication:OpenIdConnect:ClientId"] = "host",
            [key] = value,
        };
        using var host = new TestHost(settings);

        var error = Assert.ThrowsAny<Exception>(() => host.CreateClient());

        Assert.Contains(message, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenIdConnect_Configured_TurnsNameSignInOffAndPointsAtTheLogin()
    {
        await using var host = new TestHost(new Dictionary<string, string?>
        {
            ["Authentication:OpenIdConnect:Authority"] = "https://idp.test",
            ["Authentication:OpenIdConnect:ClientId"] = "host",
            ["Host:NameSignIn"] = "Anywhere",
        });
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var me = await Json(await client.GetAsync("/api/v1/user/me"));
        var signIn = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "mallory" });

        Assert.False((bool)me["nameSignIn"]!);
        Assert.Equal("/account/login", (string)me["signInUrl"]!);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.Equal("name_sign_in_disabled", (string)(await Json(signIn))["code"]!);
    }

    [Fact]
    public async Task Login_ProviderUnreachable_AnswersServiceUnavailable()
    {
        await using var host = new TestHost(new Dictionary<string, string?>
        {
            ["Authentication:OpenIdConnect:Authority"] = "http://127.0.0.1:9/",
            ["Authentication:OpenIdConnect:ClientId"] = "host",
            ["Authentication:OpenIdConnect:RequireHttpsMetadata"] = "false",
        });
        using var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/account/login?returnUrl=%2Fconsent");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("sign_in_unavailable", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Callback_ForgedState_AnswersBadRequest()
    {
        await using var host = new TestHost(new Dictionary<string, string?>
        {
            ["Authentication:OpenIdConnect:Authority"] = "https://idp.test",
            ["Authentication:OpenIdConnect:ClientId"] = "host",
        });
        using var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/signin-oidc?code=stolen&state=forged");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("sign_in_failed", (string)(await Json(response))["code"]!);
    }

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_IsRejected()
    {
        await using var host = new TestHost(new Dictionary<string, string?>
        {
            ["Authentication:OpenIdConnect:Authority"] = "https://idp.test",
            ["Authentication:OpenIdConnect:ClientId"] = "host",
        });
        using var client = host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.PostAsync("/account/logout", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("antiforgery_invalid", (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("/consent", "/consent")]
    [InlineData("/settings?app=app_1", "/settings?app=app_1")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("\\\\evil.example", "/")]
    [InlineData("/ok\\..\\x", "/")]
    [InlineData("/a\r\nLocation: x", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("consent", "/")]
    public void LocalReturnUrl_AnyInput_IsAPathOnThisHost(string? returnUrl, string expected) =>
        Assert.Equal(expected, SignInSetup.LocalReturnUrl(returnUrl));

    [Theory]
    [InlineData("Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", true)]
    [InlineData("bearer a.b.c", true)]
    [InlineData("Bearer st_abc.def.ghi", false)]
    [InlineData("Bearer st_0123456789abcdef", false)]
    [InlineData("Bearer opaque", false)]
    [InlineData("Basic YTpi", false)]
    [InlineData(null, false)]
    public void CarriesJwt_AuthorizationHeader_TellsJwtFromSessionTokens(string? header, bool expected)
    {
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers.Authorization = header;
        }

        Assert.Equal(expected, SignInSetup.CarriesJwt(context.Request));
    }

    [Fact]
    public async Task NameSignIn_LoopbackOnlyFromAnotherAddress_IsForbidden()
    {
        await using var host = new TestHost(new Dictionary<string, string?> { ["Host:NameSignIn"] = "LoopbackOnly" }, peer: "203.0.113.9");
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var me = await Json(await client.GetAsync("/api/v1/user/me"));
        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "erin" });

        Assert.False((bool)me["nameSignIn"]!);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("name_sign_in_disabled", (string)(await Json(response))["code"]!);
    }

    [Theory]
    [InlineData("LoopbackOnly", "127.0.0.1")]
    [InlineData("LoopbackOnly", "::1")]
    [InlineData("Anywhere", "203.0.113.9")]
    public async Task NameSignIn_AllowedAddress_SignsIn(string mode, string address)
    {
        await using var host = new TestHost(new Dictionary<string, string?> { ["Host:NameSignIn"] = mode }, peer: address);
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "erin" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("erin", (string)(await client.GetFromJsonAsync<JsonObject>("/api/v1/user/me"))!["name"]!);
    }

    [Fact]
    public async Task NameSignIn_Off_IsForbiddenEvenFromLoopback()
    {
        await using var host = new TestHost(new Dictionary<string, string?> { ["Host:NameSignIn"] = "Off" });
        using var client = host.CreateClient();
        await RefreshAntiforgeryAsync(client);

        var response = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "erin" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static HttpClient Bearer(TestHost host, string token)
    {
        var client = host.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A compact JWT signed with HMAC-SHA256; <c>exp</c> defaults to an hour from now.</summary>
    private static string Jwt(object claims, string key = Key)
    {
        var body = JsonSerializer.SerializeToNode(claims)!.AsObject();
        body["exp"] ??= DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var signed = Part(new { alg = "HS256", typ = "JWT" }) + "." + Base64Url(Encoding.UTF8.GetBytes(body.ToJsonString()));
        return signed + "." + Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(signed)));
    }

    private static string Unsigned(object claims)
    {
        var body = JsonSerializer.SerializeToNode(claims)!.AsObject();
        body["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        return Part(new { alg = "none", typ = "JWT" }) + "." + Base64Url(Encoding.UTF8.GetBytes(body.ToJsonString())) + ".";
    }

    private static string Part(object value) => Base64Url(JsonSerializer.SerializeToUtf8Bytes(value));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Flatten(Exception error) => error is AggregateException aggregate
        ? string.Join(" | ", aggregate.InnerExceptions.Select(Flatten))
        : error.Message + (error.InnerException is { } inner ? " | " + Flatten(inner) : string.Empty);
}
