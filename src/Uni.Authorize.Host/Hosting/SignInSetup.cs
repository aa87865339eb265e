using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.Host;

/// <summary>
/// How people sign in to the runnable host, by configuration. <c>Authentication:OpenIdConnect</c>: a cookie for the
/// signed-in user plus an OpenID Connect challenge (authorization code flow with PKCE), a login endpoint the pages send
/// people to and a logout endpoint; name sign-in is then off. <c>Authentication:JwtBearer</c>: a native shell that already
/// knows its user sends <c>Authorization: Bearer &lt;jwt&gt;</c> to the user API. Name sign-in only for the demo (<see cref="DemoMode"/>).
/// </summary>
internal sealed partial class SignInSetup
{
    /// <summary>The cookie holding the user signed in through OpenID Connect.</summary>
    public const string CookieScheme = "Uni.Authorize.Host.SignIn";

    /// <summary>The OpenID Connect challenge scheme.</summary>
    public const string OpenIdConnectScheme = "Uni.Authorize.Host.OpenIdConnect";

    /// <summary>The JWT bearer scheme for native shells.</summary>
    public const string JwtScheme = "Uni.Authorize.Host.Jwt";

    /// <summary>The scheme the user API reads when a JWT bearer is configured: the bearer token when the request carries
    /// a JWT, the user cookie otherwise.</summary>
    public const string UserScheme = "Uni.Authorize.Host.User";

    public const string LoginPath = "/account/login";
    public const string LogoutPath = "/account/logout";
    public const string CookieName = ".Uni.Authorize.SignIn";

    private SignInSetup(OpenIdConnectSettings? openIdConnect, JwtBearerSettings? jwtBearer)
    {
        OpenIdConnect = openIdConnect;
        JwtBearer = jwtBearer;
    }

    public OpenIdConnectSettings? OpenIdConnect { get; }

    public JwtBearerSettings? JwtBearer { get; }

    /// <summary>The cookie scheme of a browser's user: the OpenID Connect cookie, or the library's name sign-in cookie.</summary>
    public string BrowserScheme => OpenIdConnect is null ? UniAuthorizeHostOptions.NameSignInScheme : CookieScheme;

    /// <summary>Reads <c>Authentication:*</c>; a setting that cannot work stops start-up with a message naming it.</summary>
    public static SignInSetup From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new SignInSetup(
            OpenIdConnectSettings.From(configuration.GetSection("Authentication:OpenIdConnect")),
            JwtBearerSettings.From(configuration.GetSection("Authentication:JwtBearer")));
    }

    /// <summary>The start-up line saying which sign-in is active.</summary>
    public string Describe(NameSignInMode nameSignIn)
    {
        var parts = new List<string>();
        if (OpenIdConnect is { } oidc)
        {
            parts.Add($"OpenID Connect at {oidc.Authority} (client {oidc.ClientId}, user id claim '{oidc.UserIdClaim}'; login {LoginPath})");
        }

        if (JwtBearer is { } jwt)
        {
            parts.Add(jwt.Authority is { } authority
                ? $"JWT bearer from {authority} for audience {jwt.Audience} (user id claim '{jwt.UserIdClaim}')"
                : $"JWT bearer signed with the configured key for audience {jwt.Audience} (user id claim '{jwt.UserIdClaim}')");
        }

        if (OpenIdConnect is null)
        {
            parts.Add(nameSignIn switch
            {
                NameSignInMode.Anywhere => "by bare name from ANY address: anyone can be anyone (Host:NameSignIn=Anywhere); use only on a closed network",
                NameSignInMode.LoopbackOnly => "by bare name, from this machine only and never through a proxy (demo; Host:Demo=false turns it off)",
                _ => "no sign-in by bare name" + (JwtBearer is null ? " and no other sign-in configured: nobody can use the user API (Host:Demo=true for the demo)" : string.Empty),
            });
        }

        return string.Join("; ", parts);
    }

    /// <summary>Registers the schemes and points the host's user API at them.</summary>
    public void Register(IServiceCollection services)
    {
        var authentication = services.AddAuthentication();
        if (OpenIdConnect is { } oidc)
        {
            authentication.AddCookie(CookieScheme, static o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.LoginPath = LoginPath;
                o.Events.OnRedirectToLogin = static c => Status(c.Response, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = static c => Status(c.Response, StatusCodes.Status403Forbidden);
            });
            authentication.AddOpenIdConnect(OpenIdConnectScheme, o => oidc.Apply(o));
        }

        if (JwtBearer is { } jwt)
        {
            authentication.AddJwtBearer(JwtScheme, o => jwt.Apply(o));
            var browser = BrowserScheme;
            authentication.AddPolicyScheme(UserScheme, "User (bearer JWT or cookie)", o =>
            {
                o.ForwardDefaultSelector = context => CarriesJwt(context.Request) ? JwtScheme : browser;
                // Signing out always means the browser's cookie: a bearer token is not the host's to end.
                o.ForwardSignIn = browser;
                o.ForwardSignOut = browser;
            });
        }

        if (OpenIdConnect is null && JwtBearer is null)
        {
            return;
        }

        services.PostConfigure<UniAuthorizeHostOptions>(o =>
        {
            o.UserAuthenticationScheme = JwtBearer is null ? CookieScheme : UserScheme;
            if (OpenIdConnect is { } oidc)
            {
                o.UserIdClaimType = oidc.UserIdClaim;
                o.UserNameClaimType = oidc.NameClaim;
                // The name cookie is not read any more: a bare name could never sign anyone in.
                o.NameSignIn = NameSignInMode.Off;
                o.SignInUrl = LoginPath;
            }
        });
    }

    /// <summary>Maps <c>GET /account/login</c> and <c>POST /account/logout</c> when OpenID Connect is on.</summary>
    public void Map(WebApplication app)
    {
        if (OpenIdConnect is null)
        {
            return;
        }

        // The OpenID Connect callback runs in the authentication middleware: behind the host's safety net.
        app.UseAuthentication();
        app.MapGet(LoginPath, static async (HttpContext context, string? returnUrl) =>
        {
            var target = LocalReturnUrl(returnUrl);
            var signedIn = await context.AuthenticateAsync(CookieScheme).ConfigureAwait(false);
            if (signedIn.Succeeded)
            {
                return Results.LocalRedirect(target);
            }

            try
            {
                await context.ChallengeAsync(OpenIdConnectScheme, new AuthenticationProperties { RedirectUri = target }).ConfigureAwait(false);
                return Results.Empty;
            }
            catch (InvalidOperationException ex) when (!context.Response.HasStarted)
            {
                // The provider's metadata could not be read (provider down, wrong Authority): say so instead of failing.
                ProviderUnavailable(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.Host.SignIn"), ex.GetType().Name);
                return Problem(StatusCodes.Status503ServiceUnavailable, "sign_in_unavailable",
                    "The sign-in provider cannot be reached right now; try again shortly.");
            }
        }).WithTags("Sign-in").ExcludeFromDescription();
        app.MapPost(LogoutPath, static async (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        {
            var signedIn = await context.AuthenticateAsync(CookieScheme).ConfigureAwait(false);
            if (signedIn.Succeeded)
            {
                context.User = signedIn.Principal;
            }

            if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
            {
                return Problem(StatusCodes.Status400BadRequest, "antiforgery_invalid",
                    "Send the token of GET /api/v1/user/antiforgery as the '__RequestVerificationToken' form field or the antiforgery header.");
            }

            var target = LocalReturnUrl(returnUrl);
            if (!signedIn.Succeeded)
            {
                return Results.LocalRedirect(target);
            }

            // Ends the host's cookie, then the provider's session; the provider sends the browser back to returnUrl.
            await context.SignOutAsync(CookieScheme).ConfigureAwait(false);
            try
            {
                await context.SignOutAsync(OpenIdConnectScheme, new AuthenticationProperties { RedirectUri = target }).ConfigureAwait(false);
                return Results.Empty;
            }
            catch (InvalidOperationException)
            {
                // The provider offers no end-session endpoint: the host's own sign-out is all there is.
                return Results.LocalRedirect(target);
            }
        }).WithTags("Sign-in").ExcludeFromDescription();
    }

    /// <summary><paramref name="returnUrl"/> when it is a path on this host, else <c>/</c>: never an open redirect.</summary>
    public static string LocalReturnUrl(string? returnUrl) => LocalUrl.IsLocalPath(returnUrl) ? returnUrl! : "/";

    /// <summary>Whether the request's credential is a bearer JWT (three dot-separated parts), not a mini-app session token.</summary>
    public static bool CarriesJwt(HttpRequest request)
    {
        var headers = request.Headers.Authorization;
        if (headers.Count != 1 || headers[0] is not { } header || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var token = header.AsSpan(7).Trim();
        return !token.StartsWith("st_", StringComparison.Ordinal) && token.Count('.') == 2;
    }

    /// <summary>Problem details with a stable <c>code</c>, as the rest of the host answers.</summary>
    private static IResult Problem(int status, string code, string detail) => Uni.Authorize.AspNetCore.Problems.Create(status, code, detail);

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    private static string Required(IConfigurationSection section, string key, string why)
    {
        var value = section[key];
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"{section.Path}:{key} is missing; {why}.")
            : value.Trim();
    }

    private static bool Flag(IConfigurationSection section, string key, bool fallback)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return bool.TryParse(value, out var flag) ? flag : throw new InvalidOperationException($"{section.Path}:{key} is \"{value}\"; use true or false.");
    }

    private static Uri Authority(IConfigurationSection section, string value, bool requireHttps)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
        {
            throw new InvalidOperationException($"{section.Path}:Authority is \"{value}\"; it must be the provider's absolute https URL (its issuer).");
        }

        if (requireHttps && authority.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException(
                $"{section.Path}:Authority must be https; set {section.Path}:RequireHttpsMetadata=false only for a provider on this machine.");
        }

        return authority;
    }

    [LoggerMessage(1, LogLevel.Warning, "OpenID Connect sign-in failed: {Reason}")]
    private static partial void SignInFailed(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Warning, "The OpenID Connect provider cannot be reached: {Reason}")]
    private static partial void ProviderUnavailable(ILogger logger, string reason);

    /// <summary><c>Authentication:OpenIdConnect</c>: Authority, ClientId, ClientSecret, UserIdClaim (sub), NameClaim (name),
    /// Scopes, RequireHttpsMetadata (true), GetClaimsFromUserInfoEndpoint (false).</summary>
    internal sealed class OpenIdConnectSettings
    {
        public required Uri Authority { get; init; }

        public required string ClientId { get; init; }

        public string? ClientSecret { get; init; }

        public required string UserIdClaim { get; init; }

        public required string NameClaim { get; init; }

        public required IReadOnlyList<string> Scopes { get; init; }

        public bool RequireHttpsMetadata { get; init; }

        public bool GetClaimsFromUserInfoEndpoint { get; init; }

        public static OpenIdConnectSettings? From(IConfigurationSection section)
        {
            if (!section.Exists())
            {
                return null;
            }

            var requireHttps = Flag(section, "RequireHttpsMetadata", true);
            var scopes = section["Scopes"] is { } line
                ? line.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [.. section.GetSection("Scopes").GetChildren().Select(c => c.Value).OfType<string>().Where(s => s.Length > 0)];
            return new OpenIdConnectSettings
            {
                Authority = Authority(section, Required(section, "Authority", "set it to the provider's issuer URL"), requireHttps),
                ClientId = Required(section, "ClientId", "register the host at the provider and set its client id"),
                ClientSecret = string.IsNullOrWhiteSpace(section["ClientSecret"]) ? null : section["ClientSecret"],
                UserIdClaim = string.IsNullOrWhiteSpace(section["UserIdClaim"]) ? "sub" : section["UserIdClaim"]!.Trim(),
                NameClaim = string.IsNullOrWhiteSpace(section["NameClaim"]) ? "name" : section["NameClaim"]!.Trim(),
                Scopes = scopes.Length > 0 ? scopes : ["profile"],
                RequireHttpsMetadata = requireHttps,
                GetClaimsFromUserInfoEndpoint = Flag(section, "GetClaimsFromUserInfoEndpoint", false),
            };
        }

        public void Apply(OpenIdConnectOptions o)
        {
            o.Authority = Authority.ToString();
            o.ClientId = ClientId;
            o.ClientSecret = ClientSecret;
            o.RequireHttpsMetadata = RequireHttpsMetadata;
            o.SignInScheme = CookieScheme;
            o.SignOutScheme = CookieScheme;
            o.ResponseType = OpenIdConnectResponseType.Code;
            // The code comes back on a top-level GET: SameSite=Lax correlation cookies reach it, also over plain http on loopback.
            o.ResponseMode = OpenIdConnectResponseMode.Query;
            o.UsePkce = true;
            o.MapInboundClaims = false;
            // The cookie keeps only what signing out needs (the id_token, sent as id_token_hint): the access and
            // refresh tokens are the provider's credentials for other APIs, which this host never calls.
            o.SaveTokens = false;
            o.GetClaimsFromUserInfoEndpoint = GetClaimsFromUserInfoEndpoint;
            o.Scope.Clear();
            o.Scope.Add("openid");
            foreach (var scope in Scopes.Where(s => s != "openid"))
            {
                o.Scope.Add(scope);
            }

            o.TokenValidationParameters.NameClaimType = NameClaim;
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.NonceCookie.SameSite = SameSiteMode.Lax;
            o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Events.OnTokenValidated = static context =>
            {
                if ((context.TokenEndpointResponse?.IdToken ?? context.ProtocolMessage?.IdToken) is { Length: > 0 } idToken)
                {
                    context.Properties?.StoreTokens([new AuthenticationToken { Name = OpenIdConnectParameterNames.IdToken, Value = idToken }]);
                }

                return Task.CompletedTask;
            };
            o.Events.OnRemoteFailure = static async context =>
            {
                // A stale or forged callback, or the person said no at the provider: a clear 400, never a 500.
                context.HandleResponse();
                var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.Host.SignIn");
                SignInFailed(logger, context.Failure?.GetType().Name ?? "unknown");
                await Problem(StatusCodes.Status400BadRequest, "sign_in_failed", $"Signing in did not complete; start again at {LoginPath}.")
                    .ExecuteAsync(context.HttpContext).ConfigureAwait(false);
            };
        }
    }

    /// <summary><c>Authentication:JwtBearer</c>: Authority + Audience (keys from the provider's metadata) or SigningKey
    /// (HMAC-SHA256, 32+ bytes, optional Issuer) + Audience; UserIdClaim (sub), NameClaim (name), RequireHttpsMetadata (true).</summary>
    internal sealed class JwtBearerSettings
    {
        public Uri? Authority { get; init; }

        public required string Audience { get; init; }

        public byte[]? SigningKey { get; init; }

        public string? Issuer { get; init; }

        public required string UserIdClaim { get; init; }

        public required string NameClaim { get; init; }

        public bool RequireHttpsMetadata { get; init; }

        public static JwtBearerSettings? From(IConfigurationSection section)
        {
            if (!section.Exists())
            {
                return null;
            }

            var requireHttps = Flag(section, "RequireHttpsMetadata", true);
            var authority = section["Authority"];
            var key = section["SigningKey"];
            if (string.IsNullOrWhiteSpace(authority) == string.IsNullOrWhiteSpace(key))
            {
                throw new InvalidOperationException($"{section.Path} needs either Authority (the token issuer's URL) or SigningKey (a shared HMAC key), not both or neither.");
            }

            var keyBytes = string.IsNullOrWhiteSpace(key) ? null : Encoding.UTF8.GetBytes(key);
            if (keyBytes is { Length: < 32 })
            {
                throw new InvalidOperationException($"{section.Path}:SigningKey must be at least 32 bytes (256 bits) for HMAC-SHA256.");
            }

            return new JwtBearerSettings
            {
                Authority = string.IsNullOrWhiteSpace(authority) ? null : SignInSetup.Authority(section, authority.Trim(), requireHttps),
                Audience = Required(section, "Audience", "tokens are accepted only for this host's audience"),
                SigningKey = keyBytes,
                Issuer = string.IsNullOrWhiteSpace(section["Issuer"]) ? null : section["Issuer"]!.Trim(),
                UserIdClaim = string.IsNullOrWhiteSpace(section["UserIdClaim"]) ? "sub" : section["UserIdClaim"]!.Trim(),
                NameClaim = string.IsNullOrWhiteSpace(section["NameClaim"]) ? "name" : section["NameClaim"]!.Trim(),
                RequireHttpsMetadata = requireHttps,
            };
        }

        public void Apply(JwtBearerOptions o)
        {
            o.MapInboundClaims = false;
            o.RequireHttpsMetadata = RequireHttpsMetadata;
            o.Audience = Audience;
            o.TokenValidationParameters.ValidAudience = Audience;
            o.TokenValidationParameters.NameClaimType = NameClaim;
            if (Authority is { } authority)
            {
                o.Authority = authority.ToString();
                if (Issuer is { } issuer)
                {
                    o.TokenValidationParameters.ValidIssuer = issuer;
                }
            }
            else
            {
                o.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(SigningKey);
                o.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
                o.TokenValidationParameters.ValidateIssuer = Issuer is not null;
                o.TokenValidationParameters.ValidIssuer = Issuer;
            }

            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    // The user API reads one claim type for every scheme: copy this token's user id and name into it.
                    var host = context.HttpContext.RequestServices.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;
                    if (context.Principal?.Identity is ClaimsIdentity identity)
                    {
                        Copy(identity, UserIdClaim, host.UserIdClaimType);
                        Copy(identity, NameClaim, host.UserNameClaimType);
                    }

                    return Task.CompletedTask;
                },
            };
        }

        private static void Copy(ClaimsIdentity identity, string from, string to)
        {
            if (from == to)
            {
                return;
            }

            // The configured claim is the only source: a claim of the host's type already in the token is dropped.
            foreach (var existing in identity.FindAll(to).ToList())
            {
                identity.RemoveClaim(existing);
            }

            if (identity.FindFirst(from) is { } claim)
            {
                identity.AddClaim(new Claim(to, claim.Value));
            }
        }
    }
}

/// <summary>Sign-in of the runnable host (see <see cref="SignInSetup"/>).</summary>
internal static class SignInSetupExtensions
{
    /// <summary>Reads <c>Authentication:*</c> and registers the configured sign-in.</summary>
    public static SignInSetup AddHostSignIn(this WebApplicationBuilder builder)
    {
        var setup = SignInSetup.From(builder.Configuration);
        setup.Register(builder.Services);
        builder.Services.AddSingleton(setup);
        return setup;
    }

    /// <summary>Maps the login and logout endpoints of the configured sign-in.</summary>
    public static WebApplication MapHostSignIn(this WebApplication app)
    {
        app.Services.GetRequiredService<SignInSetup>().Map(app);
        return app;
    }
}
