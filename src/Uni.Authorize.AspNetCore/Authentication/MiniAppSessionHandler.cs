using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>Names of the mini-app session authentication scheme and the claims it issues.</summary>
public static class MiniAppSessionDefaults
{
    /// <summary>The scheme that reads <c>Authorization: Bearer st_…</c> mini-app session tokens.</summary>
    public const string AuthenticationScheme = "Uni.Authorize.Session";

    /// <summary>The claim holding the session's app id.</summary>
    public const string AppIdClaim = "uni_app_id";

    /// <summary>The claim holding the session's platform (<c>wechat</c>, <c>alipay</c>, …).</summary>
    public const string PlatformClaim = "uni_platform";
}

/// <summary>Turns a mini-app session token into the request's user (app, user, platform); the resolved session is kept
/// as a request feature for the endpoints. A challenge answers 401 problem details saying what was wrong.</summary>
internal sealed class MiniAppSessionHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, HostIdentities identities)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Malformed = "session_malformed";
    private const string Unknown = "session_unknown";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        var header = headers.Count == 1 ? headers[0] : null;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail(Malformed);
        }

        var session = await identities.ResolveSessionAsync(header[7..].Trim(), Context.RequestAborted).ConfigureAwait(false);
        if (session is null)
        {
            return AuthenticateResult.Fail(Unknown);
        }

        Context.Features.Set(session);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, session.Subject.UserId),
                new Claim(MiniAppSessionDefaults.AppIdClaim, session.App.Id),
                new Claim(MiniAppSessionDefaults.PlatformClaim, PlatformNames.Of(session.App.Platform)),
            ], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var problem = result.Failure?.Message switch
        {
            null => Problems.Unauthorized("session_required", "Send the mini-app session token as 'Authorization: Bearer <token>'."),
            Malformed => Problems.Unauthorized("session_invalid", "The Authorization header must be one 'Bearer <token>'."),
            Unknown => Problems.Unauthorized("session_invalid", "The session token is unknown, expired or revoked."),
            _ => Problems.Unavailable("The session could not be checked: the identity store is unavailable. Retry shortly."),
        };
        await problem.ExecuteAsync(Context).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Forbidden("session_forbidden", "This session may not make this call.").ExecuteAsync(Context);
}
