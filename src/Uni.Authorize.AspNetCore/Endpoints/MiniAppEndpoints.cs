using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>The calls a mini-app makes with its session token: authorize, the API gate, pending calls, settings, login.</summary>
internal static class MiniAppEndpoints
{
    public const int MaxScopesPerCall = 16;
    private static readonly TimeSpan NotAskingGrace = TimeSpan.FromSeconds(10);

    public static void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1").WithTags("Mini-app");
        group.MapGet("/session", GetSessionAsync).Produces<SessionInfo>();
        group.MapPost("/authorize", AuthorizeAsync).Accepts<AuthorizeBody>("application/json").Produces<CallResponse>().Produces<CallResponse>(202);
        group.MapPost("/apis/{api}/authorize", AuthorizeApiAsync).Produces<CallResponse>().Produces<CallResponse>(202);
        group.MapGet("/calls/{id}", GetCallAsync).Produces<CallResponse>().Produces<CallResponse>(202);
        group.MapGet("/calls/{id}/events", StreamCallAsync).Produces(200, contentType: "text/event-stream");
        group.MapGet("/settings", GetSettingAsync).Produces<SettingResponse>();
        group.MapPost("/settings/open", OpenSettingAsync).Produces<SettingResponse>();
        group.MapPost("/login", LoginAsync).Produces<LoginResponse>();
    }

    private static async Task<IResult> GetSessionAsync(HttpContext context, HostIdentities identities)
    {
        var (session, problem) = await SessionAccess.ResolveAsync(context, identities).ConfigureAwait(false);
        return session is null
            ? problem!
            : TypedResults.Json(new SessionInfo(session.App.Id, session.App.Name, PlatformNames.Of(session.App.Platform), session.Session.ExpiresAt), HostJson.Default.SessionInfo);
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, HostIdentities identities, Authorizer authorizer, PendingCalls calls,
        IHostApplicationLifetime lifetime, IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (session, wait, body, problem) = await ReadScopeCallAsync(context, SessionAccess.ResolveAsync(context, identities), options.Value).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if ((body!.Scope is null) == (body.Scopes is null))
        {
            return Problems.BadRequest("invalid_scope", "Send exactly one of 'scope' (a string) or 'scopes' (an array of strings).");
        }

        if (body.Scopes is { } scopes && (scopes.Length is 0 or > MaxScopesPerCall || scopes.Any(s => s is null)))
        {
            return Problems.BadRequest("invalid_scope", $"'scopes' holds 1 to {MaxScopesPerCall} strings.");
        }

        var privacy = PrivacyEndpoints.RequiresAgreement(options.Value, session!);
        var request = body.Scopes is { } list
            ? new AuthorizeRequest(list) { Subject = session!.Subject, Platform = session.App.Platform, RequiresPrivacyAgreement = privacy }
            : new AuthorizeRequest(body.Scope) { Subject = session!.Subject, Platform = session.App.Platform, RequiresPrivacyAgreement = privacy };
        var pending = authorizer.TryAuthorizeAsync(request, lifetime.ApplicationStopping);
        return await AnswerAsync(context, pending, session, wait, calls, options.Value, time).ConfigureAwait(false);
    }

    /// <summary>What every call that asks for scopes reads first: the session, the <c>wait</c> parameter and the JSON body.
    /// Exactly one of the session (with the body) and the problem is set.</summary>
    internal static async Task<(SessionContext? Session, TimeSpan Wait, AuthorizeBody? Body, IResult? Problem)> ReadScopeCallAsync(
        HttpContext context, ValueTask<(SessionContext? Session, IResult? Problem)> resolveSession, UniAuthorizeHostOptions options)
    {
        var (session, problem) = await resolveSession.ConfigureAwait(false);
        if (session is null)
        {
            return (null, TimeSpan.Zero, null, problem);
        }

        var (wait, waitProblem) = SessionAccess.Wait(context, options);
        if (waitProblem is not null)
        {
            return (null, TimeSpan.Zero, null, waitProblem);
        }

        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.AuthorizeBody).ConfigureAwait(false);
        return body is null ? (null, TimeSpan.Zero, null, bodyProblem) : (session, wait, body, null);
    }

    private static async Task<IResult> AuthorizeApiAsync(HttpContext context, string api, HostIdentities identities, Authorizer authorizer, PendingCalls calls,
        IHostApplicationLifetime lifetime, IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (session, problem) = await SessionAccess.ResolveAsync(context, identities).ConfigureAwait(false);
        if (session is null)
        {
            return problem!;
        }

        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        if (api.Length is 0 or > 64 || !api.All(c => char.IsAsciiLetterOrDigit(c) || c == '.'))
        {
            return Problems.BadRequest("invalid_api", "An API name is 1 to 64 ASCII letters, digits or dots (getLocation).");
        }

        var privacy = PrivacyEndpoints.RequiresAgreement(options.Value, session);
        var pending = authorizer.TryAuthorizeApiAsync(api, session.Subject, session.App.Platform, privacy, lifetime.ApplicationStopping);
        return await AnswerAsync(context, pending, session, wait, calls, options.Value, time).ConfigureAwait(false);
    }

    private static async Task<IResult> GetCallAsync(HttpContext context, string id, HostIdentities identities, PendingCalls calls,
        IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (session, problem) = await SessionAccess.ResolveAsync(context, identities).ConfigureAwait(false);
        if (session is null)
        {
            return problem!;
        }

        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        var call = calls.Find(id, session.Subject);
        if (call is null)
        {
            return Problems.NotFound("call_not_found", "No pending call with this id belongs to this session (finished calls are kept for a short while only).");
        }

        await WaitQuietlyAsync(call.Outcome, wait, time, context.RequestAborted).ConfigureAwait(false);
        return Respond(call, options.Value);
    }

    private static async Task StreamCallAsync(HttpContext context, string id, HostIdentities identities, PendingCalls calls, TimeProvider time)
    {
        var (session, problem) = await SessionAccess.ResolveAsync(context, identities).ConfigureAwait(false);
        var call = session is null ? null : calls.Find(id, session.Subject);
        if (call is null)
        {
            await (problem ?? Problems.NotFound("call_not_found", "No pending call with this id belongs to this session.")).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var options = context.RequestServices.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;
        await WriteEventAsync(context, "pending", Pending(call, options)).ConfigureAwait(false);
        while (!call.Outcome.IsCompleted)
        {
            await WaitQuietlyAsync(call.Outcome, TimeSpan.FromSeconds(15), time, context.RequestAborted).ConfigureAwait(false);
            if (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            if (!call.Outcome.IsCompleted)
            {
                await context.Response.WriteAsync(": keep-alive\n\n", context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }

        var final = call.Outcome.IsCompletedSuccessfully
            ? CallResponses.From(call.Outcome.Result, call.Platform)
            : new CallResponse("fail", PlatformNames.Of(call.Platform)) { Error = new CallError("canceled", "The host is shutting down.") };
        await WriteEventAsync(context, "result", final).ConfigureAwait(false);
    }

    private static async Task<IResult> GetSettingAsync(HttpContext context, HostIdentities identities, Authorizer authorizer)
    {
        var (session, problem) = await SessionAccess.ResolveAsync(context, identities).ConfigureAwait(false);
        if (session is null)
        {
            return problem!;
        }

        try
        {
            var settings = await authorizer.GetSettingAsync(session.Subject, session.App.Platform, context.RequestAborted).ConfigureAwait(false);
            return TypedResults.Json(new SettingResponse(PlatformNames.Of(settings.Platform), settings.AuthSetting) { Native = settings.Native }, HostJson.Default.SettingResponse);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }
    }

    private static async Task<IResult> OpenSettingAsync(HttpContext context, HostIdentities identities, Authorizer authorizer, IOptions<UniAuthorizeHostOptions> options)
    {
        var (session, problem) = await SessionAccess.ResolveAsync(context, identities).ConfigureAwait(false);
        if (session is null)
        {
            return problem!;
        }

        try
        {
            var settings = await authorizer.GetSettingAsync(session.Subject, session.App.Platform, context.RequestAborted).ConfigureAwait(false);
            var native = settings.Native.ToDictionary(StringComparer.Ordinal);
            if (native.ContainsKey("errMsg"))
            {
                native["errMsg"] = "openSetting:ok";
            }

            return TypedResults.Json(new SettingResponse(PlatformNames.Of(settings.Platform), settings.AuthSetting)
            {
                Native = native,
                SettingsUrl = SettingsUrl(options.Value, session.App.Id),
            }, HostJson.Default.SettingResponse);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }
    }

    private static async Task<IResult> LoginAsync(HttpContext context, HostIdentities identities, Authorizer authorizer, IOptions<AuthorizerOptions> authorizerOptions, TimeProvider time)
    {
        var (session, problem) = await SessionAccess.ResolveAsync(context, identities).ConfigureAwait(false);
        if (session is null)
        {
            return problem!;
        }

        var code = await authorizer.IssueAuthCodeAsync(session.Subject, [], context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new LoginResponse(code, "login:ok", time.GetUtcNow() + authorizerOptions.Value.AuthCodeLifetime), HostJson.Default.LoginResponse);
    }

    public static string SettingsUrl(UniAuthorizeHostOptions options, string appId) =>
        options.SettingsPagePath + "?app=" + Uri.EscapeDataString(appId);

    public static async Task<IResult> AnswerAsync(HttpContext context, ValueTask<AuthorizeOutcome> pending, SessionContext session, TimeSpan wait,
        PendingCalls calls, UniAuthorizeHostOptions options, TimeProvider time)
    {
        if (pending.IsCompletedSuccessfully)
        {
            return CallResponses.Finished(pending.Result, session.App.Platform);
        }

        var outcome = pending.AsTask();
        await WaitQuietlyAsync(outcome, wait, time, context.RequestAborted).ConfigureAwait(false);
        await WaitWhileNotAskingAsync(outcome, session.Subject, context.RequestServices.GetRequiredService<ConsentBroker>(), time, context.RequestAborted)
            .ConfigureAwait(false);
        if (outcome.IsCompletedSuccessfully)
        {
            return CallResponses.Finished(outcome.Result, session.App.Platform);
        }

        var call = calls.Track(session.Subject, session.App.Platform, outcome);
        return call is null
            ? Problems.Create(StatusCodes.Status429TooManyRequests, "too_many_pending", "Too many calls are waiting for consent; try again later.")
            : Respond(call, options);
    }

    private static IResult Respond(PendingCall call, UniAuthorizeHostOptions options)
    {
        if (call.Outcome.IsCompletedSuccessfully)
        {
            return CallResponses.Finished(call.Outcome.Result, call.Platform);
        }

        return call.Outcome.IsCompleted
            ? Problems.Create(StatusCodes.Status409Conflict, "call_canceled", "The call ended without an answer because the host is shutting down.")
            : TypedResults.Json(Pending(call, options), HostJson.Default.CallResponse, statusCode: StatusCodes.Status202Accepted);
    }

    private static CallResponse Pending(PendingCall call, UniAuthorizeHostOptions options) => new("pending", PlatformNames.Of(call.Platform))
    {
        CallId = call.Id,
        PollUrl = "/api/v1/calls/" + call.Id,
        EventsUrl = "/api/v1/calls/" + call.Id + "/events",
        ConsentUrl = options.ConsentPagePath,
    };

    // "Pending" means "waiting for the user". A call that is still reading a slow store, or queued behind another of
    // the user's dialogs, has not asked anyone yet: keep waiting (bounded) until it finishes or its consent appears.
    private static async Task WaitWhileNotAskingAsync(Task outcome, Subject subject, ConsentBroker broker, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + NotAskingGrace;
        while (!outcome.IsCompleted && !cancellationToken.IsCancellationRequested)
        {
            var change = broker.WaitForChangeAsync(cancellationToken);
            var left = deadline - time.GetUtcNow();
            if (broker.HasConsentFor(subject) || left <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                await Task.WhenAny(outcome, change).WaitAsync(left, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task WaitQuietlyAsync(Task task, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await task.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string name, CallResponse data)
    {
        var json = JsonSerializer.Serialize(data, HostJson.Default.CallResponse);
        await context.Response.WriteAsync($"event: {name}\ndata: {json}\n\n", Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
