using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize.AspNetCore;

/// <summary>The filter on every group the library maps: security headers on its answers, and a failure becomes problem
/// details (503 when a store is unavailable, 400 for a body the server cannot read), never an unhandled exception in
/// the application's pipeline.</summary>
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
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            return Problems.Create(ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : 400, "bad_request", "The request could not be read.");
        }
        catch (AuthorizeException ex) when (ex.Code == AuthorizeErrorCode.StoreUnavailable && !context.Response.HasStarted)
        {
            // The engine failed closed: say so, so that callers retry instead of giving up.
            return Problems.Unavailable(ex.Error.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception ex) when (!context.Response.HasStarted && IsStoreFailure(ex))
        {
            StoreFailed(Logger(context), ex);
            return Problems.Unavailable("A store did not answer; nothing was changed. Retry shortly.");
        }
    }

    // Store clients report an unreachable or failing database with their own exception types (NpgsqlException,
    // SqliteException, both DbException, and timeouts); anything else is a bug and stays a 500 of the application.
    private static bool IsStoreFailure(Exception ex) =>
        ex is System.Data.Common.DbException or TimeoutException or IOException || ex.InnerException is System.Data.Common.DbException;

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.AspNetCore");

    [LoggerMessage(2, LogLevel.Warning, "A store failed while answering a request")]
    private static partial void StoreFailed(ILogger logger, Exception exception);
}
