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
    private const string CallEndpoint = "Uni.Authorize.Call";
    private const string CallEventsEndpoint = "Uni.Authorize.CallEvents";
    private static readonly TimeSpan NotAskingGrace = TimeSpan.FromSeconds(10);

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/session", GetSession).Produces<SessionInfo>();
        group.MapPost("/authorize", AuthorizeAsync).Accepts<AuthorizeBody>("application/json").Produces<CallResponse>().Produces<CallResponse>(202);
        group.MapPost("/apis/{api}/authorize", AuthorizeApiAsync).Produces<CallResponse>().Produces<CallResponse>(202);
        group.MapGet("/calls/{id}", GetCallAsync).WithName(CallEndpoint).Produces<CallResponse>().Produces<CallResponse>(202);
        group.MapDelete("/calls/{id}", WithdrawCallAsync).Produces(204);
        group.MapGet("/calls/{id}/events", StreamCallAsync).WithName(CallEventsEndpoint).Produces(200, contentType: "text/event-stream");
        group.MapGet("/settings", GetSettingAsync).Produces<SettingResponse>();
        group.MapPost("/settings/open", OpenSettingAsync).Produces<SettingResponse>();
        group.MapPost("/login", LoginAsync).Produces<LoginResponse>();
        UserInfoEndpoints.Map(group);
    }

    private static IResult GetSession(SessionContext session) =>
        TypedResults.Json(new SessionInfo(session.App.Id, session.App.Name, PlatformNames.Of(session.App.Platform), session.Session.ExpiresAt)
        {
            DataApis = UserInfoEndpoints.Apis(session.App.Platform),
        }, HostJson.Default.SessionInfo);

    private static async Task<IResult> AuthorizeAsync(HttpContext context, SessionContext session, Authorizer authorizer, PendingCalls calls,
        IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (wait, body, problem) = await ReadScopeCallAsync(context, options.Value).ConfigureAwait(false);
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

        var request = new CallRequest(CallRequest.AuthorizeKind, body.Scope, body.Scopes, null, PrivacyEndpoints.RequiresAgreement(options.Value, session),
            session.Session.ExpiresAt);
        return await AnswerAsync(context, request, session, wait, authorizer, calls, time).ConfigureAwait(false);
    }

    /// <summary>What every call that asks for scopes reads first: the <c>wait</c> parameter and the JSON body.
    /// Exactly one of the body and the problem is set.</summary>
    internal static async Task<(TimeSpan Wait, AuthorizeBody? Body, IResult? Problem)> ReadScopeCallAsync(HttpContext context, UniAuthorizeHostOptions options)
    {
        var (wait, waitProblem) = SessionAccess.Wait(context, options);
        if (waitProblem is not null)
        {
            return (TimeSpan.Zero, null, waitProblem);
        }

        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.AuthorizeBody).ConfigureAwait(false);
        return body is null ? (TimeSpan.Zero, null, bodyProblem) : (wait, body, null);
    }

    private static async Task<IResult> AuthorizeApiAsync(HttpContext context, string api, SessionContext session, Authorizer authorizer, PendingCalls calls,
        IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        if (api.Length is 0 or > 64 || !api.All(c => char.IsAsciiLetterOrDigit(c) || c == '.'))
        {
            return Problems.BadRequest("invalid_api", "An API name is 1 to 64 ASCII letters, digits or dots (getLocation).");
        }

        if (await PhoneNumbers.RefusalAsync(context, session, api).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        var request = new CallRequest(CallRequest.ApiKind, null, null, api, PrivacyEndpoints.RequiresAgreement(options.Value, session), session.Session.ExpiresAt);
        return await AnswerAsync(context, request, session, wait, authorizer, calls, time).ConfigureAwait(false);
    }

    private static async Task<IResult> GetCallAsync(HttpContext context, string id, SessionContext session, PendingCalls calls, IOptions<UniAuthorizeHostOptions> options)
    {
        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        var call = await calls.FindAsync(id, session.Subject, context.RequestAborted).ConfigureAwait(false);
        if (call is null)
        {
            return Problems.NotFound("call_not_found", "No pending call with this id belongs to this session (finished calls are kept for a short while only).");
        }

        call = await calls.WaitAsync(call, wait, context.RequestAborted).ConfigureAwait(false);
        return Respond(context, call, options.Value);
    }

    private static async Task<IResult> WithdrawCallAsync(HttpContext context, string id, SessionContext session, PendingCalls calls)
    {
        var call = await calls.FindAsync(id, session.Subject, context.RequestAborted).ConfigureAwait(false);
        if (call is null)
        {
            return Problems.NotFound("call_not_found", "No pending call with this id belongs to this session.");
        }

        // Withdrawing a call that has its outcome already changes nothing: it stays readable until it is forgotten.
        await calls.WithdrawAsync(call, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task StreamCallAsync(HttpContext context, string id, SessionContext session, PendingCalls calls, IOptions<UniAuthorizeHostOptions> options)
    {
        var call = await calls.FindAsync(id, session.Subject, context.RequestAborted).ConfigureAwait(false);
        if (call is null)
        {
            await Problems.NotFound("call_not_found", "No pending call with this id belongs to this session.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await WriteEventAsync(context, "pending", JsonSerializer.Serialize(Pending(context, call, options.Value), HostJson.Default.CallResponse)).ConfigureAwait(false);
        while (call.Outcome is null)
        {
            call = await calls.WaitAsync(call, TimeSpan.FromSeconds(15), context.RequestAborted).ConfigureAwait(false);
            if (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            if (call.Outcome is null)
            {
                await context.Response.WriteAsync(": keep-alive\n\n", context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }
        }

        await WriteEventAsync(context, "result", call.Outcome).ConfigureAwait(false);
    }

    private static async Task<IResult> GetSettingAsync(HttpContext context, SessionContext session, Authorizer authorizer)
    {
        var settings = await authorizer.GetSettingAsync(session.Subject, session.App.Platform, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new SettingResponse(PlatformNames.Of(settings.Platform), settings.AuthSetting) { Native = settings.Native }, HostJson.Default.SettingResponse);
    }

    private static async Task<IResult> OpenSettingAsync(HttpContext context, SessionContext session, Authorizer authorizer, IOptions<UniAuthorizeHostOptions> options)
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

    private static async Task<IResult> LoginAsync(HttpContext context, SessionContext session, AuthCodeService authCodes, IOptions<UniAuthorizeOptions> authorizerOptions, TimeProvider time)
    {
        var code = await authCodes.IssueAuthCodeAsync(session.Subject, [], context.RequestAborted).ConfigureAwait(false);
        // ByteDance's tt.login also answers an anonymousCode, which its jscode2session takes as anonymous_code.
        var anonymousCode = session.App.Platform == Platform.ByteDance
            ? await authCodes.IssueAuthCodeAsync(session.Subject, [ExchangeEndpoints.AnonymousLoginScope], context.RequestAborted).ConfigureAwait(false)
            : null;
        return TypedResults.Json(new LoginResponse(code, "login:ok", time.GetUtcNow() + authorizerOptions.Value.AuthCodeLifetime) { AnonymousCode = anonymousCode },
            HostJson.Default.LoginResponse);
    }

    public static string SettingsUrl(UniAuthorizeHostOptions options, string appId) =>
        options.SettingsPagePath + "?app=" + Uri.EscapeDataString(appId);

    /// <summary>Runs <paramref name="request"/>; answers at once when it ends within <paramref name="wait"/>, otherwise
    /// stores it as a pending call and answers 202 with where to come back for the outcome.</summary>
    public static async Task<IResult> AnswerAsync(HttpContext context, CallRequest request, SessionContext session, TimeSpan wait,
        Authorizer authorizer, PendingCalls calls, TimeProvider time)
    {
        var cancel = calls.NewCallToken();
        var pending = request.RunAsync(authorizer, session.Subject, session.App.Platform, cancel.Token);
        if (pending.IsCompletedSuccessfully)
        {
            cancel.Dispose();
            return CallResponses.Finished(pending.Result, session.App.Platform);
        }

        var outcome = pending.AsTask();
        var broker = context.RequestServices.GetRequiredService<ConsentBroker>();
        await WaitQuietlyAsync(outcome, wait, time, context.RequestAborted).ConfigureAwait(false);
        await WaitWhileNotAskingAsync(outcome, session.Subject, broker, time, context.RequestAborted).ConfigureAwait(false);
        if (outcome.IsCompletedSuccessfully)
        {
            cancel.Dispose();
            return CallResponses.Finished(outcome.Result, session.App.Platform);
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away before it could learn the call's id: nobody can come back for it.
            PendingCalls.Abandon(outcome, cancel);
            return Results.Empty;
        }

        var options = context.RequestServices.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;
        var started = await calls.StartAsync(session, request, outcome, cancel, context.RequestAborted).ConfigureAwait(false);
        return started.Call is { } call
            ? Respond(context, call, options)
            : TypedResults.Json(CallResponses.TooManyPending(session.App.Platform, request, started.Refusal!), HostJson.Default.CallResponse,
                statusCode: StatusCodes.Status429TooManyRequests);
    }

    private static IResult Respond(HttpContext context, PendingCallRecord call, UniAuthorizeHostOptions options) =>
        call.Outcome is { } outcome
            ? TypedResults.Bytes(Encoding.UTF8.GetBytes(outcome), "application/json; charset=utf-8")
            : TypedResults.Json(Pending(context, call, options), HostJson.Default.CallResponse, statusCode: StatusCodes.Status202Accepted);

    // The links follow wherever the application mapped the group (a prefix, a path base).
    private static CallResponse Pending(HttpContext context, PendingCallRecord call, UniAuthorizeHostOptions options)
    {
        var links = context.RequestServices.GetRequiredService<LinkGenerator>();
        return new("pending", PlatformNames.Of(call.Platform))
        {
            CallId = call.Id,
            PollUrl = links.GetPathByName(context, CallEndpoint, new { id = call.Id }),
            EventsUrl = links.GetPathByName(context, CallEventsEndpoint, new { id = call.Id }),
            ConsentUrl = options.ConsentPagePath,
        };
    }

    // "Pending" means "waiting for the user". A call that is still reading a slow store, or queued behind another of
    // the user's dialogs, has not asked anyone yet: keep waiting (bounded) until it finishes or its consent appears.
    private static async Task WaitWhileNotAskingAsync(Task outcome, Subject subject, ConsentBroker broker, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + NotAskingGrace;
        while (!outcome.IsCompleted && !cancellationToken.IsCancellationRequested)
        {
            var change = broker.Signals.NextAsync(SignalBoard.User(subject.UserId));
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

    private static async Task WriteEventAsync(HttpContext context, string name, string json)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {json}\n\n", Encoding.UTF8, context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
