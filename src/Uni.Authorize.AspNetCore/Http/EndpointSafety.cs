using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize.AspNetCore;

/// <summary>The filter on every group the library maps: security headers on its answers, and an expected failure becomes
/// problem details (503 when a store is unavailable, 400 for a body the server cannot read). Anything else is a bug and
/// goes to the application's own error handling.</summary>
internal static partial class EndpointSafety
{
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (!headers.ContainsKey("Content-Security-Policy"))
        {
            headers.ContentSecurityPolicy = "frame-ancestors 'none'";
        }

        try
        {
            return await next(invocation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception ex) when (!context.Response.HasStarted && ProblemFor(ex, context) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>The answer to an expected failure: a body the server cannot read (400), a store that failed closed or
    /// does not answer (503, retryable). <see langword="null"/> for anything else, which is a bug.</summary>
    public static IResult? ProblemFor(Exception exception, HttpContext context)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                return Problems.Create(bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, "bad_request", "The request could not be read.");
            case AuthorizeException { Code: AuthorizeErrorCode.StoreUnavailable } failedClosed:
                // The engine failed closed: say so, so that callers retry instead of giving up.
                return Problems.Unavailable(failedClosed.Error.Message);
            case DbException { IsTransient: true } unavailable:
                // A store outside the engine (identities, consents) is down, out of connections or its pool stayed busy.
                StoreUnavailable(Logger(context), unavailable.GetType().Name, unavailable.Message);
                return Problems.Unavailable("The store is unavailable; nothing was changed. Retry when it is back.");
            default:
                return null;
        }
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.AspNetCore");

    [LoggerMessage(2, LogLevel.Warning, "A store did not answer a request ({ErrorType}: {ErrorMessage})")]
    private static partial void StoreUnavailable(ILogger logger, string errorType, string errorMessage);
}
