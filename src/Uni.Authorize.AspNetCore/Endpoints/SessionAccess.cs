using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

/// <summary>The <c>wait</c> parameter of long-polling calls.</summary>
internal static class SessionAccess
{
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
