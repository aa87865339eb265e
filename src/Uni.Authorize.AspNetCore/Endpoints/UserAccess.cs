using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>The signed-in user of a request, read from the app's own <see cref="ClaimsPrincipal"/>.
/// <paramref name="ByBearer"/>: the identity came from an <c>Authorization: Bearer</c> header read by a handler that is
/// not a cookie's, a credential a browser never sends by itself.</summary>
internal sealed record SignedInUser(string Id, string Name, bool ByBearer = false);

/// <summary>Who the user is (the configured scheme and user-id claim, see <see cref="UniAuthorizeHostOptions"/>) and the
/// antiforgery check every state-changing call of a browser's user needs. A mini-app session token is never accepted here.</summary>
internal static class UserAccess
{
    public const string Scheme = UniAuthorizeHostOptions.NameSignInScheme;
    public const string CookieName = ".Uni.Authorize.User";
    private const string DefaultAntiforgeryHeader = "RequestVerificationToken";

    /// <summary>Authenticates the user through the configured scheme (or the app's own pipeline) and makes it the
    /// request's user, so that antiforgery tokens are bound to it; <see langword="null"/> when nobody is signed in.</summary>
    public static async ValueTask<SignedInUser?> AuthenticateAsync(HttpContext context)
    {
        if (context.Features.Get<SignedInUser>() is { } known)
        {
            return known;
        }

        var options = context.RequestServices.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;
        var principal = context.User;
        var ticketScheme = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Ticket?.AuthenticationScheme;
        if (options.UserAuthenticationScheme is { } scheme)
        {
            var result = await context.AuthenticateAsync(scheme).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                return null;
            }

            principal = result.Principal;
            ticketScheme = result.Ticket.AuthenticationScheme;
            context.User = principal;
        }

        if (principal.Identity?.IsAuthenticated != true || principal.FindFirstValue(options.UserIdClaimType) is not { } id || !new Subject("app", id).IsValid)
        {
            return null;
        }

        var user = new SignedInUser(id, principal.FindFirstValue(options.UserNameClaimType) ?? id,
            await ByBearerAsync(context, ticketScheme).ConfigureAwait(false));
        context.Features.Set(user);
        return user;
    }

    /// <summary>The user that <see cref="RequireUserAsync"/> found for this request (parameters bind before filters run,
    /// so endpoints behind the filter read it here).</summary>
    public static SignedInUser Current(HttpContext context) =>
        context.Features.Get<SignedInUser>() ?? throw new InvalidOperationException("The user filter did not run for this endpoint.");

    /// <summary>The filter of the user group: a signed-in user, and a valid antiforgery token on every call that changes
    /// state, unless the user came from a bearer token (a native shell's JWT): a cross-site page cannot make a browser
    /// send one, so such a call cannot be forged; a cookie's user always needs the token.</summary>
    public static async ValueTask<object?> RequireUserAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (await AuthenticateAsync(context).ConfigureAwait(false) is null)
        {
            return Problems.Unauthorized("sign_in_required", "Sign in first; mini-app session tokens are not accepted here.");
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !Current(context).ByBearer
            && await AntiforgeryProblemAsync(context).ConfigureAwait(false) is { } problem)
        {
            return problem;
        }

        return await next(invocation).ConfigureAwait(false);
    }

    /// <summary>Whether the identity came from a bearer header that a non-cookie handler (<paramref name="ticketScheme"/>) read.</summary>
    private static async ValueTask<bool> ByBearerAsync(HttpContext context, string? ticketScheme)
    {
        var headers = context.Request.Headers.Authorization;
        if (ticketScheme is null || ticketScheme == MiniAppSessionDefaults.AuthenticationScheme
            || headers.Count != 1 || headers[0] is not { } header || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var schemes = context.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>();
        var handler = (await schemes.GetSchemeAsync(ticketScheme).ConfigureAwait(false))?.HandlerType;
        return handler is not null && !typeof(CookieAuthenticationHandler).IsAssignableFrom(handler) && !typeof(PolicySchemeHandler).IsAssignableFrom(handler);
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
                $"Send the token of GET /api/v1/user/antiforgery in the '{HeaderName(context)}' header (fetch a new one after signing in).");
        }
    }

    public static string HeaderName(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.HeaderName ?? DefaultAntiforgeryHeader;

    /// <summary>Whether name-only sign-in is allowed for this request by <see cref="UniAuthorizeHostOptions.NameSignIn"/>.
    /// "Loopback only" means a person at this machine: a loopback peer that no proxy stands in front of. A proxy on this
    /// machine connects from loopback for everybody, so a request that carries any forwarding header is refused, and so
    /// is one whose peer has no address (a Unix socket, which a proxy uses too).</summary>
    public static bool AllowsNameSignIn(HttpContext context, NameSignInMode mode) => mode switch
    {
        NameSignInMode.Anywhere => true,
        NameSignInMode.LoopbackOnly => context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address) && !CameThroughProxy(context),
        _ => false,
    };

    /// <summary>Whether the request says a proxy forwarded it: <c>Forwarded</c>, any <c>X-Forwarded-*</c> or <c>X-Real-IP</c>,
    /// or the headers named in <see cref="ForwardedHeadersOptions"/>. <c>UseForwardedHeaders</c>, when it believed a
    /// proxy, moved what it applied into the <c>X-Original-*</c> headers and rewrote the connection's address (to the
    /// client's, possibly a loopback one the client claimed): their presence is the mark of a forwarded request too.</summary>
    private static bool CameThroughProxy(HttpContext context)
    {
        var forwarding = context.RequestServices.GetService<IOptions<ForwardedHeadersOptions>>()?.Value;
        foreach (var name in context.Request.Headers.Keys)
        {
            if (name.Equals("Forwarded", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase)
                || name.Equals("X-Real-IP", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (forwarding is not null && (Is(name, forwarding.ForwardedForHeaderName) || Is(name, forwarding.ForwardedProtoHeaderName)
                || Is(name, forwarding.ForwardedHostHeaderName) || Is(name, forwarding.ForwardedPrefixHeaderName)
                || Is(name, forwarding.OriginalForHeaderName) || Is(name, forwarding.OriginalProtoHeaderName)
                || Is(name, forwarding.OriginalHostHeaderName) || Is(name, forwarding.OriginalPrefixHeaderName)))
            {
                return true;
            }
        }

        return false;

        static bool Is(string name, string? header) => header is { Length: > 0 } && name.Equals(header, StringComparison.OrdinalIgnoreCase);
    }
}
