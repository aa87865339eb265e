using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

/// <summary>The signed-in host user (cookie) and the antiforgery check every state-changing user call needs.
/// A mini-app session token is never accepted here.</summary>
internal static class UserAccess
{
    public const string Scheme = "Uni.Authorize.User";
    public const string CookieName = ".Uni.Authorize.User";
    public const string AntiforgeryCookieName = ".Uni.Authorize.Antiforgery";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>Authenticates the user cookie and makes it the request's user (antiforgery tokens are bound to it).</summary>
    public static async ValueTask<(string? UserId, string? Name)> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(Scheme).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return (null, null);
        }

        context.User = result.Principal;
        return (result.Principal.FindFirstValue(ClaimTypes.NameIdentifier), result.Principal.FindFirstValue(ClaimTypes.Name));
    }

    /// <summary>The signed-in user id, or a 401 problem.</summary>
    public static async ValueTask<(string? UserId, IResult? Problem)> RequireUserAsync(HttpContext context, bool changesState)
    {
        var (userId, _) = await AuthenticateAsync(context).ConfigureAwait(false);
        if (userId is null)
        {
            return (null, Problems.Unauthorized("sign_in_required", "Sign in first (POST /api/v1/user/sign-in); mini-app session tokens are not accepted here."));
        }

        if (changesState && await AntiforgeryProblemAsync(context).ConfigureAwait(false) is { } problem)
        {
            return (null, problem);
        }

        return (userId, null);
    }

    public static async ValueTask<IResult?> AntiforgeryProblemAsync(HttpContext context)
    {
        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is AntiforgeryValidationException or InvalidDataException or BadHttpRequestException or IOException)
        {
            return Problems.BadRequest("antiforgery_invalid",
                $"Send the token of GET /api/v1/user/antiforgery in the '{AntiforgeryHeader}' header (fetch a new one after signing in).");
        }
    }
}
