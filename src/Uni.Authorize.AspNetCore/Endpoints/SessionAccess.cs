using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

/// <summary>Resolves the mini-app session of a request from <c>Authorization: Bearer st_…</c>.</summary>
internal static class SessionAccess
{
    public static async ValueTask<(SessionContext? Session, IResult? Problem)> ResolveAsync(HttpContext context, HostIdentities identities)
    {
        var headers = context.Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return (null, Problems.Unauthorized("session_required", "Send the mini-app session token as 'Authorization: Bearer <token>'."));
        }

        var header = headers.Count == 1 ? headers[0] : null;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Unauthorized("session_invalid", "The Authorization header must be one 'Bearer <token>'."));
        }

        var session = await identities.ResolveSessionAsync(header[7..].Trim(), context.RequestAborted).ConfigureAwait(false);
        return session is null
            ? (null, Problems.Unauthorized("session_invalid", "The session token is unknown, expired or revoked."))
            : (session, null);
    }

    /// <summary>The <c>wait</c> query parameter in whole seconds, 0 to the configured maximum; default the maximum.</summary>
    public static (TimeSpan Wait, IResult? Problem) Wait(HttpContext context, UniAuthorizeHostOptions options)
    {
        var values = context.Request.Query["wait"];
        if (values.Count == 0)
        {
            return (options.MaxWait, null);
        }

        var max = (int)options.MaxWait.TotalSeconds;
        return values.Count == 1 && int.TryParse(values[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds <= max
            ? (TimeSpan.FromSeconds(seconds), null)
            : (TimeSpan.Zero, Problems.BadRequest("invalid_wait", $"'wait' is a whole number of seconds from 0 to {max}."));
    }
}
