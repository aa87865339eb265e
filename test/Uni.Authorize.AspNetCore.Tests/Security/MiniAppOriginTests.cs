using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore.Tests.Security;

/// <summary>
/// Boundary: mini-app code and the user's authority. Mini-app code runs in the host's sandbox (an opaque origin,
/// <c>Origin: null</c>) or on an origin the operator lists; from there it reaches the mini-app API and the bridge with
/// its bearer token, never with credentials. The user API, the pages and the admin API answer no origin at all, and
/// every cookie the host sets stays on the host (no <c>Domain</c>), out of scripts (<c>HttpOnly</c>) and off
/// cross-site requests (<c>SameSite</c>), so a request from the sandbox carries none of them.
/// </summary>
public sealed class MiniAppOriginTests : IAsyncLifetime
{
    private const string ListedOrigin = "https://apps.example.com";
    private const string Sandbox = "null";
    private TestHost _host = null!;

    public ValueTask InitializeAsync()
    {
        _host = new TestHost(new Dictionary<string, string?> { ["Host:MiniAppOrigins:0"] = ListedOrigin });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData(Sandbox, "/api/v1/settings", "GET")]
    [InlineData(Sandbox, "/api/v1/authorize", "POST")]
    [InlineData(Sandbox, "/api/v1/calls/c_x", "DELETE")]
    [InlineData(ListedOrigin, "/api/v1/authorize", "POST")]
    public async Task MiniAppApi_PreflightFromSandboxOrListedOrigin_AllowsTheBearerHeaderWithoutCredentials(string origin, string path, string method)
    {
        using var client = _host.CreateClient();

        using var response = await client.SendAsync(Preflight(path, origin, method, "authorization,content-type"), Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("authorization", Header(response, "Access-Control-Allow-Headers")!, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(method, Header(response, "Access-Control-Allow-Methods")!, StringComparison.Ordinal);
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task MiniAppApi_CallFromSandboxWithItsToken_AnswersCorsWithoutCredentials()
    {
        var (appId, _) = await _host.CreateAppAsync(Platform.WeChat);
        var userId = await _host.CreateUserAsync("mia");
        using var app = await _host.MiniAppAsync(appId, userId);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/settings");
        request.Headers.Add("Origin", Sandbox);

        using var response = await app.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sandbox, Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
        Assert.Contains("Origin", response.Headers.Vary);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://apps.example.com.evil.example")]
    [InlineData("http://apps.example.com")]
    public async Task MiniAppApi_UnlistedOrigin_GetsNoCorsAnswer(string origin)
    {
        using var client = _host.CreateClient();

        using var preflight = await client.SendAsync(Preflight("/api/v1/authorize", origin, "POST", "authorization"), Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/settings");
        request.Headers.Add("Origin", origin);
        using var call = await client.SendAsync(request, Ct);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Headers"));
        Assert.Null(Header(call, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Bridge_FromSandbox_AnswersCorsWithoutCredentials()
    {
        using var client = _host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/bridge/uni-bridge.js");
        request.Headers.Add("Origin", Sandbox);

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Sandbox, Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("/api/v1/user/consents", "GET")]
    [InlineData("/api/v1/user/antiforgery", "GET")]
    [InlineData("/api/v1/user/me", "GET")]
    [InlineData("/api/v1/user/data", "GET")]
    [InlineData("/api/v1/user/data", "DELETE")]
    [InlineData("/api/v1/user/consents/c_x/answer", "POST")]
    [InlineData("/api/v1/user/apps/demo-wechat/settings", "PUT")]
    [InlineData("/api/v1/user/apps/demo-wechat/launch", "POST")]
    [InlineData("/admin/v1/apps", "GET")]
    [InlineData("/admin/v1/sign-in", "POST")]
    [InlineData("/consent", "GET")]
    [InlineData("/settings", "GET")]
    [InlineData("/console", "GET")]
    [InlineData("/my-data", "GET")]
    [InlineData("/", "GET")]
    [InlineData("/mini-app/sandbox", "GET")]
    public async Task UserApiAdminApiAndPages_FromSandboxOrListedOrigin_NeverAnswerCors(string path, string method)
    {
        using var user = await _host.UserAsync("uma");
        foreach (var origin in new[] { Sandbox, ListedOrigin })
        {
            using var preflight = await user.SendAsync(Preflight(path, origin, method, "x-csrf-token,content-type"), Ct);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            request.Headers.Add("Origin", origin);
            using var call = await user.SendAsync(request, Ct);

            Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
            Assert.Null(Header(preflight, "Access-Control-Allow-Credentials"));
            Assert.Null(Header(preflight, "Access-Control-Allow-Headers"));
            Assert.Null(Header(call, "Access-Control-Allow-Origin"));
            Assert.Null(Header(call, "Access-Control-Allow-Credentials"));
        }
    }

    [Fact]
    public async Task Cookies_EveryCookieTheHostSets_IsHostOnlyHttpOnlyAndSameSite()
    {
        using var browser = _host.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        var cookies = new List<string>();
        var jar = new Dictionary<string, string>(StringComparer.Ordinal);

        // The antiforgery cookie, the user's name sign-in and the operator's key sign-in: every cookie a person can get.
        var token = (string)(await TestHost.Json(await Send(HttpMethod.Get, "/api/v1/user/antiforgery", null)))["token"]!;
        (await Send(HttpMethod.Post, "/api/v1/user/sign-in", JsonContent.Create(new { name = "cora" }), token)).EnsureSuccessStatusCode();
        token = (string)(await TestHost.Json(await Send(HttpMethod.Get, "/api/v1/user/antiforgery", null)))["token"]!;
        (await Send(HttpMethod.Post, "/admin/v1/sign-in", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = TestHost.AdminKey }), token))
            .EnsureSuccessStatusCode();

        Assert.Contains(jar.Keys, name => name.Contains("Antiforgery", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(UserAccess.CookieName, jar.Keys);
        Assert.Contains(OperatorSignIn.CookieName, jar.Keys);
        Assert.All(cookies, cookie =>
        {
            var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(static a => a.ToLowerInvariant()).ToList();
            Assert.DoesNotContain(attributes, static a => a.StartsWith("domain", StringComparison.Ordinal));
            Assert.Contains("httponly", attributes);
            Assert.Contains(attributes, static a => a is "samesite=strict" or "samesite=lax");
        });

        async Task<HttpResponseMessage> Send(HttpMethod method, string path, HttpContent? content, string? antiforgery = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = content };
            if (jar.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", jar.Select(static c => c.Key + "=" + c.Value)));
            }

            if (antiforgery is not null)
            {
                request.Headers.Add("X-CSRF-TOKEN", antiforgery);
            }

            var response = await browser.SendAsync(request, Ct);
            foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                cookies.Add(cookie);
                var pair = cookie.Split(';')[0];
                jar[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
            }

            return response;
        }
    }

    [Fact]
    public async Task SandboxPage_Served_HasAnOpaqueOriginWithoutEscapesAndOnlyTheHostFramesIt()
    {
        using var client = _host.CreateClient();

        using var response = await client.GetAsync("/mini-app/sandbox", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = Directives(string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("allow-scripts", policy["sandbox"]);
        Assert.Equal("'self'", policy["frame-ancestors"]);
        Assert.Equal("'none'", policy["frame-src"]);
        Assert.Equal("'none'", policy["form-action"]);
        Assert.Equal("'self' " + ListedOrigin, policy["connect-src"]);
        Assert.Equal("SAMEORIGIN", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Contains("/bridge/uni-bridge.js", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/consent")]
    [InlineData("/settings?app=x")]
    [InlineData("/my-data")]
    [InlineData("/console")]
    public async Task HostPages_Served_RefuseEveryFramerAndFrameOnlyTheHost(string path)
    {
        using var client = _host.CreateClient();

        using var response = await client.GetAsync(path, Ct);

        var policy = Directives(string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.Equal("'self'", policy["frame-src"]);
        Assert.Equal("'none'", policy["worker-src"]);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task Launch_ByTheUser_NamesTheSandboxAtItsConfiguredPath()
    {
        await using var host = new TestHost(new Dictionary<string, string?> { ["Host:MiniAppSandboxPath"] = "/run/mini-app" });
        var (appId, _) = await host.CreateAppAsync(Platform.WeChat);
        using var user = await host.UserAsync("lena");

        var launched = await TestHost.Json(await user.PostAsync($"/api/v1/user/apps/{appId}/launch", null, Ct));

        Assert.Equal("/run/mini-app", (string)launched["sandboxUrl"]!);
        using var sandbox = await host.CreateClient().GetAsync("/run/mini-app", Ct);
        Assert.Contains("sandbox allow-scripts", string.Join(";", sandbox.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await host.CreateClient().GetAsync("/mini-app/sandbox", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("apps.example.com")]
    [InlineData("https://apps.example.com/app")]
    [InlineData("https://apps.example.com?x")]
    [InlineData("ftp://apps.example.com")]
    [InlineData("null")]
    [InlineData("*")]
    public void MiniAppOrigins_NotAnHttpOrigin_FailsAtStartNamingTheSetting(string origin)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Host:MiniAppOrigins:0", origin)]).Build();
        var services = new ServiceCollection();
        services.AddUniAuthorizeHost(configuration.GetSection("Host"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);

        Assert.Contains("Host:MiniAppOrigins[0] must be an http(s) origin", error.Message, StringComparison.Ordinal);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static Dictionary<string, string> Directives(string policy) =>
        policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(static d => d.Split(' ', 2))
            .ToDictionary(static d => d[0], static d => d.Length > 1 ? d[1] : string.Empty, StringComparer.Ordinal);
}
