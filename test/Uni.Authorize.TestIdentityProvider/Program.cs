using Microsoft.AspNetCore;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

// A small real OpenID provider for tests: fixed users who sign in with a password on a form, the authorization code
// flow with PKCE (the authorization and end-session endpoints pass through to this app), and one confidential client,
// the host under test, whose redirect URIs come from --Client:HostAddress.
var builder = WebApplication.CreateBuilder(args);
var hostAddress = builder.Configuration["Client:HostAddress"]?.TrimEnd('/')
    ?? throw new InvalidOperationException("--Client:HostAddress (the host's base address) is required.");
var clientId = builder.Configuration["Client:Id"] ?? "uni-authorize-host";
var clientSecret = builder.Configuration["Client:Secret"] ?? "uni-authorize-host-secret";
var database = builder.Configuration["Database"] ?? Path.Combine(Path.GetTempPath(), $"test-idp-{Environment.ProcessId}.db");

builder.Services.AddDbContext<ProviderDb>(o => o.UseSqlite($"Data Source={database}").UseOpenIddict());
builder.Services.AddOpenIddict()
    .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<ProviderDb>())
    .AddServer(o =>
    {
        o.SetAuthorizationEndpointUris("connect/authorize")
            .SetTokenEndpointUris("connect/token")
            .SetEndSessionEndpointUris("connect/logout");
        o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
        o.RegisterScopes(Scopes.OpenId, Scopes.Profile);
        o.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
        o.UseAspNetCore()
            .EnableAuthorizationEndpointPassthrough()
            .EnableEndSessionEndpointPassthrough()
            .DisableTransportSecurityRequirement();
    });
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
{
    o.Cookie.Name = ".TestIdentityProvider";
    o.LoginPath = "/login";
});

var app = builder.Build();
await using (var scope = app.Services.CreateAsyncScope())
{
    var db = scope.ServiceProvider.GetRequiredService<ProviderDb>();
    await db.Database.EnsureDeletedAsync();
    await db.Database.EnsureCreatedAsync();
    var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
    await applications.CreateAsync(new OpenIddictApplicationDescriptor
    {
        ClientId = clientId,
        ClientSecret = clientSecret,
        ClientType = ClientTypes.Confidential,
        DisplayName = "Uni.Authorize host",
        RedirectUris = { new Uri(hostAddress + "/signin-oidc") },
        PostLogoutRedirectUris = { new Uri(hostAddress + "/signout-callback-oidc") },
        Permissions =
        {
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code, Permissions.Scopes.Profile,
        },
        Requirements = { Requirements.Features.ProofKeyForCodeExchange },
    });
}

app.UseAuthentication();
app.MapGet("/login", (HttpContext context) => LoginPage(context.Request.Query["ReturnUrl"], error: null));
app.MapPost("/login", async (HttpContext context) =>
{
    var form = await context.Request.ReadFormAsync();
    string returnUrl = form["ReturnUrl"].ToString();
    if (!TestUsers.TryFind(form["username"], form["password"], out var user))
    {
        return LoginPage(returnUrl, "Unknown user or wrong password.");
    }

    var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user.UserName)], CookieAuthenticationDefaults.AuthenticationScheme);
    await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
    return Results.LocalRedirect(returnUrl.StartsWith("/connect/authorize", StringComparison.Ordinal) ? returnUrl : "/");
});
app.MapGet("/", () => Results.Text("Test identity provider"));

app.MapMethods("/connect/authorize", ["GET", "POST"], async (HttpContext context) =>
{
    var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
    var signedIn = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    if (!signedIn.Succeeded || !TestUsers.TryFind(signedIn.Principal.Identity?.Name, out var user))
    {
        return Results.Challenge(new AuthenticationProperties { RedirectUri = context.Request.Path + context.Request.QueryString },
            [CookieAuthenticationDefaults.AuthenticationScheme]);
    }

    var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
    identity.SetClaim(Claims.Subject, user.Subject).SetClaim(Claims.Name, user.DisplayName).SetClaim(Claims.PreferredUsername, user.UserName);
    identity.SetScopes(request.GetScopes());
    identity.SetDestinations(static _ => [Destinations.AccessToken, Destinations.IdentityToken]);
    return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
});

app.MapMethods("/connect/logout", ["GET", "POST"], async (HttpContext context) =>
{
    await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
});

await app.RunAsync();

static IResult LoginPage(string? returnUrl, string? error)
{
    var encoder = HtmlEncoder.Default;
    return Results.Content($$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
        <body>
          <h1>Test identity provider</h1>
          {{(error is null ? string.Empty : $"<p role=\"alert\" data-testid=\"idp-error\">{encoder.Encode(error)}</p>")}}
          <form method="post" action="/login">
            <input type="hidden" name="ReturnUrl" value="{{encoder.Encode(returnUrl ?? string.Empty)}}">
            <label>User <input name="username" data-testid="idp-username" autocomplete="username"></label>
            <label>Password <input name="password" type="password" data-testid="idp-password" autocomplete="current-password"></label>
            <button type="submit" data-testid="idp-sign-in">Sign in</button>
          </form>
        </body></html>
        """, "text/html; charset=utf-8");
}

/// <summary>The provider's users: a stable subject that differs from the user name, so that tests can tell them apart.</summary>
internal static class TestUsers
{
    public const string Password = "wonderland";

    private static readonly TestUser[] Users =
    [
        new("alice", "sub-alice-7f3a", "Alice Liddell"),
        new("bob", "sub-bob-42c1", "Bob Builder"),
    ];

    public static bool TryFind(string? userName, string? password, out TestUser user) =>
        TryFind(userName, out user) && string.Equals(password, Password, StringComparison.Ordinal);

    public static bool TryFind(string? userName, out TestUser user)
    {
        user = Users.FirstOrDefault(u => string.Equals(u.UserName, userName?.Trim(), StringComparison.Ordinal))!;
        return user is not null;
    }
}

internal sealed record TestUser(string UserName, string Subject, string DisplayName);

/// <summary>OpenIddict's applications, authorizations, scopes and tokens in a SQLite file.</summary>
internal sealed class ProviderDb(DbContextOptions<ProviderDb> options) : DbContext(options);
