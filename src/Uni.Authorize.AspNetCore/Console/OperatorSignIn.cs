using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>The admin key exchanged once for an operator cookie (<see cref="UniAuthorizeHostOptions.OperatorKeySignIn"/>):
/// <c>POST /admin/v1/sign-in</c> with the form field <c>key</c>, and <c>POST /admin/v1/sign-out</c>. The console never
/// keeps the key; the cookie is HttpOnly and SameSite=Strict, and both calls need an antiforgery token.</summary>
internal static class OperatorSignIn
{
    public const string CookieName = ".Uni.Authorize.Operator";

    /// <summary>The policy the admin group uses with key sign-in and no <see cref="UniAuthorizeHostOptions.OperatorPolicy"/>.</summary>
    public static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder(UniAuthorizeHostOptions.OperatorScheme)
        .RequireAuthenticatedUser().RequireRole(UniAuthorizeHostOptions.OperatorRole).Build();

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/sign-in", SignInAsync).Accepts<IFormCollection>("application/x-www-form-urlencoded").Produces<OperatorInfo>();
        routes.MapPost("/sign-out", (Func<HttpContext, Task<IResult>>)SignOutAsync).Produces(204);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, IOptions<UniAuthorizeHostOptions> options)
    {
        if (!options.Value.OperatorKeySignIn || options.Value.AdminKey is not { } adminKey)
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
            [new Claim(ClaimTypes.Name, "operator"), new Claim(ClaimTypes.Role, UniAuthorizeHostOptions.OperatorRole)],
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
