using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize.AspNetCore;

/// <summary>Security headers on every answer, and the last line against bad input: a request the server cannot read
/// becomes a 400 problem, never a 500 or a dropped connection.</summary>
internal static partial class SafetyNet
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next, ILogger logger)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "frame-ancestors 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        try
        {
            await next(context).ConfigureAwait(false);
            if (context.Response is { HasStarted: false, StatusCode: >= 400 and < 600, ContentLength: null } response && response.ContentType is null)
            {
                // Routing's own refusals (no such path, wrong method, wrong content type) get problem details too.
                await Problems.Create(response.StatusCode, CodeFor(response.StatusCode), "The request does not match an endpoint of the API.").ExecuteAsync(context).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (!context.Response.HasStarted && EndpointSafety.ProblemFor(ex, context) is { } problem)
        {
            context.Response.Clear();
            await problem.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            UnhandledError(logger, ex);
            context.Response.Clear();
            await Problems.Create(StatusCodes.Status500InternalServerError, "internal_error", "The host failed to answer; nothing was changed.").ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    private static string CodeFor(int status) => status switch
    {
        404 => "not_found",
        405 => "method_not_allowed",
        415 => "unsupported_media_type",
        _ => "bad_request",
    };

    [LoggerMessage(1, LogLevel.Error, "Unhandled error answering a request")]
    private static partial void UnhandledError(ILogger logger, Exception exception);
}
