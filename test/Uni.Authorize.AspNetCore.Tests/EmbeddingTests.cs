using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>The library inside an application that has its own home page, sign-in, authorization policies, rate
/// limiter and problem details: every flow works with the application's user, and nothing of the application changes.</summary>
public sealed class EmbeddingTests : IAsyncLifetime
{
    private const string AdminKey = "embedded-admin-key-0123456789";
    private WebApplication _app = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddAuthentication("App").AddCookie("App", static o =>
        {
            o.Cookie.Name = "app-auth";
            o.Events.OnRedirectToLogin = static c =>
            {
                c.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
        });
        builder.Services.AddAuthorization(static o => o.AddPolicy("operators", static p => p.RequireClaim("role", "operator")));
        builder.Services.AddRateLimiter(static o =>
        {
            o.RejectionStatusCode = StatusCodes.Status418ImATeapot;
            o.AddFixedWindowLimiter("app-limit", static w =>
            {
                w.PermitLimit = 1;
                w.Window = TimeSpan.FromMinutes(10);
            });
        });
        builder.Services.AddProblemDetails(static o => o.CustomizeProblemDetails = static c => c.ProblemDetails.Extensions["app"] = "mine");
        builder.Services.AddUniAuthorizeHost(static o =>
        {
            o.UserAuthenticationScheme = null;   // the application's own pipeline decides who the user is
            o.UserIdClaimType = "sub";
            o.UserNameClaimType = "name";
            o.SignInUrl = "/login";
            o.AdminKey = AdminKey;
        });

        _app = builder.Build();
        _app.UseExceptionHandler();
        _app.UseStatusCodePages();
        _app.UseRateLimiter();
        _app.UseCors();
        _app.UseAuthorization();
        _app.MapGet("/", () => "the application's own home");
        _app.MapGet("/login", static async (HttpContext context, string user, string? role) =>
        {
            Claim[] claims = role is null
                ? [new("sub", "sub-" + user), new("name", user)]
                : [new("sub", "sub-" + user), new("name", user), new("role", role)];
            await context.SignInAsync("App", new ClaimsPrincipal(new ClaimsIdentity(claims, "App")));
            return Results.Ok();
        });
        _app.MapGet("/limited", () => "limited").RequireRateLimiting("app-limit");
        _app.MapGet("/boom", IResult () => throw new InvalidOperationException("the application's own failure"));
        _app.MapUniAuthorizeCatalog();
        _app.MapGroup("/uni").MapUniAuthorizeMiniAppApi();
        _app.MapUniAuthorizeUserApi();
        _app.MapUniAuthorizeCodeExchange();
        _app.MapUniAuthorizeBridge();
        _app.MapUniAuthorizePages();
        _app.MapGroup("/ops").MapUniAuthorizeAdminApi().RequireAuthorization("operators");
        await _app.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Embedded_AppsOwnHomeRateLimiterProblemsAndDefaultScheme_AreUntouched()
    {
        using var client = Client();

        Assert.Equal("the application's own home", await client.GetStringAsync("/", Ct));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/limited", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/healthz", Ct)).StatusCode);
        Assert.Equal((HttpStatusCode)418, (await client.GetAsync("/limited", Ct)).StatusCode);
        var boom = await client.GetAsync("/boom", Ct);
        Assert.Equal(HttpStatusCode.InternalServerError, boom.StatusCode);
        Assert.Equal("mine", (string)(await TestHost.Json(boom))["app"]!);

        Assert.Equal(418, _app.Services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.RejectionStatusCode);
        var schemes = _app.Services.GetRequiredService<IAuthenticationSchemeProvider>();
        Assert.Equal("App", (await schemes.GetDefaultAuthenticateSchemeAsync())!.Name);
        Assert.Equal("App", (await schemes.GetDefaultChallengeSchemeAsync())!.Name);
    }

    [Fact]
    public async Task Embedded_WholeFlow_RunsForTheApplicationsOwnUser()
    {
        // The mini-app API is under the application's prefix /uni; the operator's API under /ops, behind the application's
        // own policy and the admin key.
        using var stranger = Client();
        stranger.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.PostAsJsonAsync("/ops/admin/v1/apps", new { name = "Shop", platform = "wechat" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsJsonAsync("/admin/v1/apps", new { name = "Shop", platform = "wechat" }, Ct)).StatusCode);
        using var operatorClient = await SignedInAsync("olga", "operator");
        operatorClient.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        var created = await operatorClient.PostAsJsonAsync("/ops/admin/v1/apps", new { name = "Shop", platform = "wechat" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var app = await TestHost.Json(created);
        var appId = (string)app["id"]!;

        // The application's user, from its own cookie: who they are, their app session, a consent they answer.
        using var alice = await SignedInAsync("alice");
        var me = await TestHost.Json(await alice.GetAsync("/api/v1/user/me", Ct));
        Assert.Equal("sub-alice", (string)me["id"]!);
        Assert.Equal("alice", (string)me["name"]!);
        await UseAntiforgeryAsync(alice);
        var launched = await alice.PostAsync($"/api/v1/user/apps/{appId}/launch", null, Ct);
        Assert.Equal(HttpStatusCode.OK, launched.StatusCode);
        using var miniApp = Client();
        miniApp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)(await TestHost.Json(launched))["token"]!);

        var asked = await miniApp.PostAsJsonAsync("/uni/api/v1/authorize?wait=0", new { scope = "scope.userLocation" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var consent = await TestHost.PendingConsentAsync(alice);
        Assert.Equal(appId, (string)consent["app"]!["id"]!);
        Assert.Equal(HttpStatusCode.NoContent,
            (await alice.PostAsJsonAsync($"/api/v1/user/consents/{(string)consent["id"]!}/answer", new { answer = "allow" }, Ct)).StatusCode);
        var pending = await TestHost.Json(asked);
        var pollUrl = (string)pending["pollUrl"]!;
        Assert.Equal("/uni/api/v1/calls/" + (string)pending["callId"]!, pollUrl);
        var polled = await miniApp.GetAsync(pollUrl + "?wait=10", Ct);
        Assert.Equal("authorize:ok", (string)(await TestHost.Json(polled))["errMsg"]!);

        // Login and the code exchange, for the app's server.
        var code = (string)(await TestHost.Json(await miniApp.PostAsync("/uni/api/v1/login", null, Ct)))["code"]!;
        using var server = Client();
        var exchanged = await server.PostAsync("/api/v1/exchange/wechat/jscode2session", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["appid"] = appId, ["secret"] = (string)app["secret"]!, ["js_code"] = code, ["grant_type"] = "authorization_code",
        }), Ct);
        Assert.Equal(HttpStatusCode.OK, exchanged.StatusCode);
        Assert.False(string.IsNullOrEmpty((string?)(await TestHost.Json(exchanged))["openid"]));

        // The pages and the bridge are served; the consent of another of the application's users is not alice's.
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/consent", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/bridge/uni-bridge.js", Ct)).StatusCode);
    }

    [Fact]
    public async Task Embedded_WithoutTheApplicationsUser_NameSignInIsOffAndTheSignInUrlIsGiven()
    {
        using var client = Client();
        var me = await client.GetAsync("/api/v1/user/me", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        var problem = await TestHost.Json(me);
        Assert.Equal("/login", (string)problem["signInUrl"]!);
        Assert.False((bool)problem["nameSignIn"]!);

        await UseAntiforgeryAsync(client);
        var signIn = await client.PostAsJsonAsync("/api/v1/user/sign-in", new { name = "mallory" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.Equal("name_sign_in_disabled", (string)(await TestHost.Json(signIn))["code"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/user/consents", Ct)).StatusCode);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client() =>
        new(new CookieContainerHandler(new CookieContainer()) { InnerHandler = _app.GetTestServer().CreateHandler() })
        {
            BaseAddress = _app.GetTestServer().BaseAddress,
        };

    private async Task<HttpClient> SignedInAsync(string user, string? role = null)
    {
        var client = Client();
        var url = "/login?user=" + user + (role is null ? string.Empty : "&role=" + role);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url, Ct)).StatusCode);
        return client;
    }

    // The header is the application's antiforgery choice, read from the library's answer.
    private static async Task UseAntiforgeryAsync(HttpClient client)
    {
        var info = await client.GetFromJsonAsync<JsonObject>("/api/v1/user/antiforgery", Ct);
        client.DefaultRequestHeaders.Add((string)info!["headerName"]!, (string)info["token"]!);
    }
}
