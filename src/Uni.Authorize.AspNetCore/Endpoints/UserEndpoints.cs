using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>What the host's own pages call for the signed-in user: sign-in, pending consents and their answers,
/// settings per app, launching an app. State changes need the user cookie and an antiforgery token.</summary>
internal static class UserEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/user").WithTags("User");
        group.MapGet("/antiforgery", GetAntiforgeryAsync).Produces<AntiforgeryInfo>();
        group.MapPost("/sign-in", SignInAsync).Accepts<SignInBody>("application/json").Produces<UserInfo>();
        group.MapPost("/sign-out", (Func<HttpContext, Task<IResult>>)SignOutAsync).Produces(204);
        group.MapGet("/me", (Func<HttpContext, Task<IResult>>)GetMeAsync).Produces<UserInfo>();
        group.MapGet("/consents", ListConsentsAsync).Produces<ConsentList>();
        group.MapGet("/consents/{id}", GetConsentAsync).Produces<ConsentInfo>();
        group.MapPost("/consents/{id}/answer", AnswerConsentAsync).Accepts<ConsentAnswerBody>("application/json").Produces(204);
        group.MapGet("/apps", ListAppsAsync).Produces<AppList>();
        group.MapGet("/apps/{appId}/settings", GetSettingsAsync).Produces<AppSettings>();
        group.MapPut("/apps/{appId}/settings", ChangeSettingAsync).Accepts<SettingChangeBody>("application/json").Produces<AppSettings>();
        group.MapPost("/apps/{appId}/launch", LaunchAsync).Produces<IssuedSession>();
    }

    private static async Task<IResult> GetAntiforgeryAsync(HttpContext context, IAntiforgery antiforgery)
    {
        await UserAccess.AuthenticateAsync(context).ConfigureAwait(false);
        var tokens = antiforgery.GetAndStoreTokens(context);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new AntiforgeryInfo(tokens.RequestToken!, UserAccess.AntiforgeryHeader), HostJson.Default.AntiforgeryInfo);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, HostIdentities identities)
    {
        await UserAccess.AuthenticateAsync(context).ConfigureAwait(false);
        if (await UserAccess.AntiforgeryProblemAsync(context).ConfigureAwait(false) is { } problem)
        {
            return problem;
        }

        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.SignInBody).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        if (!HostIdentities.IsValidName(body.Name))
        {
            return Problems.BadRequest("invalid_name", "'name' is 1 to 64 characters, not blank, without control characters.");
        }

        var user = await identities.SignInAsync(body.Name!, context.RequestAborted).ConfigureAwait(false);
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id), new Claim(ClaimTypes.Name, user.Name)], UserAccess.Scheme));
        await context.SignInAsync(UserAccess.Scheme, principal).ConfigureAwait(false);
        return TypedResults.Json(new UserInfo(user.Id, user.Name), HostJson.Default.UserInfo);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: true).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        await context.SignOutAsync(UserAccess.Scheme).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> GetMeAsync(HttpContext context)
    {
        var (userId, name) = await UserAccess.AuthenticateAsync(context).ConfigureAwait(false);
        return userId is null
            ? Problems.Unauthorized("sign_in_required", "Nobody is signed in.")
            : TypedResults.Json(new UserInfo(userId, name ?? string.Empty), HostJson.Default.UserInfo);
    }

    private static async Task<IResult> ListConsentsAsync(HttpContext context, ConsentBroker broker, HostIdentities identities, IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: false).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        if (!context.Request.Query.ContainsKey("wait"))
        {
            wait = TimeSpan.Zero;
        }

        // Long polling: with ?wait=N an empty list waits up to N seconds for a consent to arrive.
        var deadline = time.GetUtcNow() + wait;
        var consents = broker.ForUser(userId);
        while (consents.Count == 0 && time.GetUtcNow() < deadline && !context.RequestAborted.IsCancellationRequested)
        {
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            try
            {
                await broker.WaitForChangeAsync(context.RequestAborted).WaitAsync(left, time).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                break;
            }

            consents = broker.ForUser(userId);
        }

        var list = new List<ConsentInfo>(consents.Count);
        foreach (var consent in consents)
        {
            list.Add(await DescribeAsync(consent, identities, context.RequestAborted).ConfigureAwait(false));
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new ConsentList(list), HostJson.Default.ConsentList);
    }

    private static async Task<IResult> GetConsentAsync(HttpContext context, string id, ConsentBroker broker, HostIdentities identities)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: false).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        var consent = broker.Find(id, userId);
        return consent is null
            ? Problems.NotFound("consent_not_found", "No consent with this id waits for you (it may have been answered or timed out).")
            : TypedResults.Json(await DescribeAsync(consent, identities, context.RequestAborted).ConfigureAwait(false), HostJson.Default.ConsentInfo);
    }

    private static async Task<IResult> AnswerConsentAsync(HttpContext context, string id, ConsentBroker broker)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: true).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.ConsentAnswerBody).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        var consent = broker.Find(id, userId);
        if (consent is null)
        {
            return Problems.NotFound("consent_not_found", "No consent with this id waits for you (it may have been answered or timed out).");
        }

        PromptResult result;
        if (body.Answer is not null && body.Scopes is null)
        {
            if (!TryParseAnswer(body.Answer, out var answer))
            {
                return Problems.BadRequest("invalid_answer", "'answer' is \"allow\", \"deny\" or \"dismiss\".");
            }

            result = answer switch { PromptAnswer.Allow => PromptResult.Allow, PromptAnswer.Deny => PromptResult.Deny, _ => PromptResult.Dismissed };
        }
        else if (body.Answer is null && body.Scopes is { Count: > 0 } perScope)
        {
            var answers = new Dictionary<string, PromptAnswer>(StringComparer.Ordinal);
            foreach (var (scope, value) in perScope)
            {
                if (!consent.Request.Scopes.Any(s => s.Name == scope) || !TryParseAnswer(value, out var answer))
                {
                    return Problems.BadRequest("invalid_answer", "'scopes' maps each asked scope's canonical name to \"allow\", \"deny\" or \"dismiss\".");
                }

                answers[scope] = answer;
            }

            result = PromptResult.PerScope(answers);
        }
        else
        {
            return Problems.BadRequest("invalid_answer", "Send either 'answer' for every scope or 'scopes' with one answer per scope.");
        }

        return broker.TryAnswer(id, userId, result)
            ? TypedResults.NoContent()
            : Problems.NotFound("consent_not_found", "The consent was answered or timed out meanwhile.");
    }

    private static async Task<IResult> ListAppsAsync(HttpContext context, HostIdentities identities)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: false).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        var apps = await identities.Store.ListAppsAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new AppList([.. apps.Select(Describe)]), HostJson.Default.AppList);
    }

    private static async Task<IResult> GetSettingsAsync(HttpContext context, string appId, HostIdentities identities, Authorizer authorizer)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: false).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        var app = HostIdentities.IsValidAppId(appId) ? await identities.Store.GetAppAsync(appId, context.RequestAborted).ConfigureAwait(false) : null;
        return app is null
            ? Problems.NotFound("app_not_found", "No app with this id.")
            : await SettingsAsync(app, userId, authorizer, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> ChangeSettingAsync(HttpContext context, string appId, HostIdentities identities, Authorizer authorizer)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: true).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.SettingChangeBody).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        var app = HostIdentities.IsValidAppId(appId) ? await identities.Store.GetAppAsync(appId, context.RequestAborted).ConfigureAwait(false) : null;
        if (app is null)
        {
            return Problems.NotFound("app_not_found", "No app with this id.");
        }

        if (!TryParseState(body.State, out var state))
        {
            return Problems.BadRequest("invalid_state", "'state' is \"granted\", \"denied\" or \"notDetermined\".");
        }

        var subject = new Subject(app.Id, userId);
        var entries = await authorizer.GetSettingsEntriesAsync(subject, app.Platform, context.RequestAborted).ConfigureAwait(false);
        var entry = entries.FirstOrDefault(e => e.Scope.Name == body.Scope || e.Key == body.Scope);
        if (entry is null)
        {
            return Problems.BadRequest("invalid_scope", "'scope' must be one of the switches this app's settings page shows (canonical name or settings key).");
        }

        try
        {
            await authorizer.SetDecisionAsync(subject, entry.Scope.Name, state, DecisionSource.Settings, app.Platform, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }

        return await SettingsAsync(app, userId, authorizer, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> LaunchAsync(HttpContext context, string appId, HostIdentities identities)
    {
        var (userId, problem) = await UserAccess.RequireUserAsync(context, changesState: true).ConfigureAwait(false);
        if (userId is null)
        {
            return problem!;
        }

        var app = HostIdentities.IsValidAppId(appId) ? await identities.Store.GetAppAsync(appId, context.RequestAborted).ConfigureAwait(false) : null;
        var user = await identities.Store.GetUserAsync(userId, context.RequestAborted).ConfigureAwait(false);
        if (app is null || user is null)
        {
            return Problems.NotFound("app_not_found", "No app with this id.");
        }

        var (token, session) = await identities.IssueSessionAsync(app, user, null, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new IssuedSession(token, app.Id, user.Id, session.ExpiresAt), HostJson.Default.IssuedSession);
    }

    private static async Task<IResult> SettingsAsync(HostApp app, string userId, Authorizer authorizer, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await authorizer.GetSettingsEntriesAsync(new Subject(app.Id, userId), app.Platform, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(new AppSettings(Describe(app),
                [.. entries.Select(e => new SettingsEntryInfo(e.Scope.Name, e.Key, StateName(e.State), e.Scope.DescriptionZh, e.Scope.DescriptionEn))]),
                HostJson.Default.AppSettings);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }
    }

    private static async ValueTask<ConsentInfo> DescribeAsync(PendingConsent consent, HostIdentities identities, CancellationToken cancellationToken)
    {
        var request = consent.Request;
        var app = await identities.Store.GetAppAsync(request.Subject.AppId, cancellationToken).ConfigureAwait(false);
        var appInfo = app is null ? new AppInfo(request.Subject.AppId, request.Subject.AppId, PlatformNames.Of(request.Platform)) : Describe(app);
        return new ConsentInfo(consent.Id, appInfo, [.. request.Scopes.Select(s => CatalogEndpoints.Describe(s, request.Platform))], consent.CreatedAt, consent.ExpiresAt);
    }

    public static AppInfo Describe(HostApp app) => new(app.Id, app.Name, PlatformNames.Of(app.Platform));

    public static string StateName(DecisionState state) => state switch
    {
        DecisionState.Granted => "granted",
        DecisionState.Denied => "denied",
        _ => "notDetermined",
    };

    private static bool TryParseState(string? value, out DecisionState state)
    {
        (var ok, state) = value switch
        {
            "granted" => (true, DecisionState.Granted),
            "denied" => (true, DecisionState.Denied),
            "notDetermined" => (true, DecisionState.NotDetermined),
            _ => (false, DecisionState.NotDetermined),
        };
        return ok;
    }

    private static bool TryParseAnswer(string? value, out PromptAnswer answer)
    {
        (var ok, answer) = value switch
        {
            "allow" => (true, PromptAnswer.Allow),
            "deny" => (true, PromptAnswer.Deny),
            "dismiss" => (true, PromptAnswer.Dismissed),
            _ => (false, PromptAnswer.Dismissed),
        };
        return ok;
    }
}
