using System.Data.Common;
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
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await Problems.Create(ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : 400, "bad_request", "The request could not be read.").ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (AuthorizeException ex) when (ex.Code == AuthorizeErrorCode.StoreUnavailable && !context.Response.HasStarted)
        {
            // The engine failed closed (a code exchange, a login code): say so, so that callers retry instead of giving up.
            context.Response.Clear();
            await Problems.Unavailable(ex.Error.Message).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (DbException ex) when (ex.IsTransient && !context.Response.HasStarted)
        {
            // A store outside the engine (identities) is down, out of connections or its pool stayed busy: retryable.
            StoreUnavailable(logger, ex.GetType().Name, ex.Message);
            context.Response.Clear();
            await Problems.Unavailable("The store is unavailable; nothing was changed. Retry when it is back.").ExecuteAsync(context).ConfigureAwait(false);
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

    [LoggerMessage(2, LogLevel.Warning, "A store did not answer a request ({ErrorType}: {ErrorMessage})")]
    private static partial void StoreUnavailable(ILogger logger, string errorType, string errorMessage);

    [LoggerMessage(1, LogLevel.Error, "Unhandled error answering a request")]
    private static partial void UnhandledError(ILogger logger, Exception exception);
}
