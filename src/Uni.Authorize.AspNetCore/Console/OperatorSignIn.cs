using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>The admin key exchanged once for an operator cookie (<see cref="UniAuthorizeHostOptions.OperatorKeySignIn"/>):
/// <c>POST /admin/v1/sign-in</c> with the form field <c>key</c>, and <c>POST /admin/v1/sign-out</c>. The console never
/// keeps the key; the cookie is HttpOnly and SameSite=Strict, and both calls need an antiforgery token. The cookie
/// carries a fingerprint of the key it was issued for and ends when the admin key changes.</summary>
internal static class OperatorSignIn
{
    public const string CookieName = ".Uni.Authorize.Operator";

    /// <summary>The claim holding <see cref="Fingerprint"/> of the admin key the cookie was issued for.</summary>
    public const string AdminKeyClaim = "uni_authorize:admin_key";

    /// <summary>The policy the admin group uses with key sign-in and no <see cref="UniAuthorizeHostOptions.OperatorPolicy"/>.</summary>
    public static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder(UniAuthorizeHostOptions.OperatorScheme)
        .RequireAuthenticatedUser().RequireRole(UniAuthorizeHostOptions.OperatorRole).Build();

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/sign-in", SignInAsync).Accepts<IFormCollection>("application/x-www-form-urlencoded").Produces<OperatorInfo>();
        routes.MapPost("/sign-out", (Func<HttpContext, Task<IResult>>)SignOutAsync).Produces(204);
    }

    /// <summary>An HMAC keyed with the admin key over a fixed label: it tells keys apart, and a cookie that is read
    /// (it is encrypted with the data-protection keys) gives nothing to guess the key against without the key itself.</summary>
    public static string Fingerprint(string adminKey) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(adminKey), "Uni.Authorize operator cookie"u8));

    /// <summary>The cookie's check on every request: refused (and removed) once key sign-in is off or the admin key is
    /// no longer the one it was issued for, on every instance that reads the current settings.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<UniAuthorizeHostOptions>>().CurrentValue;
        var issuedFor = context.Principal?.FindFirst(AdminKeyClaim)?.Value;
        if (options is { OperatorKeySignIn: true, AdminKey: { } adminKey } && issuedFor is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Fingerprint(adminKey)), Encoding.ASCII.GetBytes(issuedFor)))
        {
            return;
        }

        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(UniAuthorizeHostOptions.OperatorScheme).ConfigureAwait(false);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, IOptionsMonitor<UniAuthorizeHostOptions> monitor)
    {
        var options = monitor.CurrentValue;
        if (!options.OperatorKeySignIn || options.AdminKey is not { } adminKey)
        {
            return Problems.Forbidden("operator_key_sign_in_disabled", "Exchanging the admin key for an operator cookie is off on this host.");
        }

        // The antiforgery token was issued to whoever the page's user was; check it against the same principal.
        await UserAccess.AuthenticateAsync(context).ConfigureAwait(false);
        if (await UserAccess.AntiforgeryProblemAsync(context).ConfigureAwait(false) is { } forged)
        {
            return forged;
        }

        var form = await ExchangeEndpoints.ReadFormAsync(context).ConfigureAwait(false);
        if (form is null || !form.TryGetValue("key", out var key) || key.Count != 1)
        {
            return Problems.BadRequest("invalid_form", "Send the admin key as the field 'key' of an application/x-www-form-urlencoded body.");
        }

        var budgets = context.RequestServices.GetRequiredService<ClientBudgets>();
        if (budgets.AdminKeyLockedOut(context))
        {
            return ClientBudgets.AdminKeyProblem();
        }

        if (!Secrets.Matches(key[0], Secrets.Hash(adminKey)))
        {
            budgets.AdminKeyFailed(context);
            return Problems.Unauthorized("admin_key_invalid", "This is not the admin key.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, UniAuthorizeHostOptions.OperatorRole),
                new Claim(AdminKeyClaim, Fingerprint(adminKey))],
            UniAuthorizeHostOptions.OperatorScheme, ClaimTypes.Name, ClaimTypes.Role);
        await context.SignInAsync(UniAuthorizeHostOptions.OperatorScheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new OperatorInfo("operator", ByKey: false), ConsoleJson.Default.OperatorInfo);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context)
    {
        var (@operator, problem) = await OperatorAccess.AuthenticateAsync(context).ConfigureAwait(false);
        if (@operator is null)
        {
            return problem!;
        }

        if (!@operator.ByKey && await UserAccess.AntiforgeryProblemAsync(context).ConfigureAwait(false) is { } forged)
        {
            return forged;
        }

        await context.SignOutAsync(UniAuthorizeHostOptions.OperatorScheme).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
