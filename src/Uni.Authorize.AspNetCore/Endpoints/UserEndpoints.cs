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
    /// <summary>Maps the user API on <paramref name="group"/>: sign-in helpers open to anyone, the rest behind the user filter.</summary>
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/antiforgery", GetAntiforgeryAsync).Produces<AntiforgeryInfo>();
        group.MapPost("/sign-in", SignInAsync).Accepts<SignInBody>("application/json").Produces<UserInfo>();
        group.MapGet("/me", GetMeAsync).Produces<UserInfo>();
        var user = group.MapGroup(string.Empty).AddEndpointFilter(UserAccess.RequireUserAsync);
        user.MapPost("/sign-out", SignOutAsync).Produces(204);
        user.MapGet("/consents", ListConsentsAsync).Produces<ConsentList>();
        user.MapGet("/consents/{id}", GetConsentAsync).Produces<ConsentInfo>();
        user.MapPost("/consents/{id}/answer", AnswerConsentAsync).Accepts<ConsentAnswerBody>("application/json").Produces(204);
        user.MapGet("/apps", ListAppsAsync).Produces<AppList>();
        user.MapGet("/apps/{appId}/settings", GetSettingsAsync).Produces<AppSettings>();
        user.MapPut("/apps/{appId}/settings", ChangeSettingAsync).Accepts<SettingChangeBody>("application/json").Produces<AppSettings>();
        user.MapPost("/apps/{appId}/launch", LaunchAsync).Produces<IssuedSession>();
        user.MapGet("/data", (Func<HttpContext, Task<IResult>>)ExportDataAsync).Produces<UserDataExport>();
        user.MapDelete("/data", EraseDataAsync).Produces<UserErasureInfo>();
        user.MapGet("/apps/{appId}/history", GetHistoryAsync).Produces<AppHistory>();
        user.MapPost("/apps/{appId}/withdraw", WithdrawAsync).Produces<AppHistory>();
        ProfileEndpoints.MapUser(user);
        AccessReportEndpoints.MapUser(user);
    }

    private static async Task<IResult> ExportDataAsync(HttpContext context)
    {
        var user = UserAccess.Current(context);
        var export = await UserData.ExportAsync(user.Id, context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"my-data.json\"";
        return TypedResults.Json(export, HostJson.Default.UserDataExport);
    }

    private static async Task<IResult> EraseDataAsync(HttpContext context, IOptions<UniAuthorizeHostOptions> options)
    {
        var user = UserAccess.Current(context);
        if (DecisionErasure.IsPseudonym(user.Id))
        {
            return Problems.BadRequest("invalid_user", "This user id cannot be erased.");
        }

        var erased = await UserData.EraseAsync(user.Id, context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        if (options.Value.UserAuthenticationScheme is { } scheme)
        {
            await context.SignOutAsync(scheme).ConfigureAwait(false);
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(erased, HostJson.Default.UserErasureInfo);
    }

    private static async Task<IResult> GetHistoryAsync(HttpContext context, string appId, HostIdentities identities, IDecisionStore store)
    {
        var user = UserAccess.Current(context);
        var app = await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Problems.AppNotFound();
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(await UserData.HistoryAsync(app, user.Id, store, context.RequestAborted).ConfigureAwait(false), HostJson.Default.AppHistory);
    }

    private static async Task<IResult> WithdrawAsync(HttpContext context, string appId, HostIdentities identities, IDecisionStore store)
    {
        var user = UserAccess.Current(context);
        var app = await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Problems.AppNotFound();
        }

        try
        {
            await UserData.WithdrawAsync(app, user.Id, context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }

        return TypedResults.Json(await UserData.HistoryAsync(app, user.Id, store, context.RequestAborted).ConfigureAwait(false), HostJson.Default.AppHistory);
    }

    private static async Task<IResult> GetAntiforgeryAsync(HttpContext context, IAntiforgery antiforgery)
    {
        await UserAccess.AuthenticateAsync(context).ConfigureAwait(false);
        var tokens = antiforgery.GetAndStoreTokens(context);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new AntiforgeryInfo(tokens.RequestToken!, UserAccess.HeaderName(context)), HostJson.Default.AntiforgeryInfo);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, HostIdentities identities, IOptions<UniAuthorizeHostOptions> options)
    {
        if (!UserAccess.AllowsNameSignIn(context, options.Value.NameSignIn))
        {
            return Problems.Forbidden("name_sign_in_disabled", options.Value.SignInUrl is { } url
                ? $"Sign in through {url}; signing in with a bare name is a demo feature and it is off here."
                : "Signing in with a bare name is a demo feature and it is off here; sign in through the application.");
        }

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
            [new Claim(options.Value.UserIdClaimType, user.Id), new Claim(options.Value.UserNameClaimType, user.Name)], UserAccess.Scheme));
        await context.SignInAsync(UserAccess.Scheme, principal).ConfigureAwait(false);
        return TypedResults.Json(new UserInfo(user.Id, user.Name), HostJson.Default.UserInfo);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, HostIdentities identities, DecisionManager decisions, IOptions<UniAuthorizeHostOptions> options)
    {
        // Signing out ends the user's use of their mini-apps: the grants given "while using" them end with it.
        var sessions = await identities.Store.ListUserSessionsAsync(UserAccess.Current(context).Id, context.RequestAborted).ConfigureAwait(false);
        await WhileUsingGrants.EndAsync(decisions, sessions, context.RequestAborted).ConfigureAwait(false);

        if (options.Value.UserAuthenticationScheme is { } scheme)
        {
            await context.SignOutAsync(scheme).ConfigureAwait(false);
        }

        return TypedResults.NoContent();
    }

    private static async Task<IResult> GetMeAsync(HttpContext context, IOptions<UniAuthorizeHostOptions> options)
    {
        var user = await UserAccess.AuthenticateAsync(context).ConfigureAwait(false);
        if (user is null)
        {
            var nameSignIn = UserAccess.AllowsNameSignIn(context, options.Value.NameSignIn);
            return TypedResults.Problem(detail: "Nobody is signed in.", statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                type: "https://uni-authorize.dev/problems/sign_in_required",
                extensions: new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["code"] = "sign_in_required",
                    ["nameSignIn"] = nameSignIn,
                    ["signInUrl"] = options.Value.SignInUrl,
                });
        }

        return TypedResults.Json(new UserInfo(user.Id, user.Name), HostJson.Default.UserInfo);
    }

    private static async Task<IResult> ListConsentsAsync(HttpContext context, ConsentBroker broker, HostIdentities identities,
        DecisionManager decisions, IOptions<UniAuthorizeHostOptions> options, TimeProvider time)
    {
        var user = UserAccess.Current(context);
        var (wait, waitProblem) = SessionAccess.Wait(context, options.Value);
        if (waitProblem is not null)
        {
            return waitProblem;
        }

        if (!context.Request.Query.ContainsKey("wait"))
        {
            wait = TimeSpan.Zero;
        }

        // Long polling: with ?wait=N an empty list waits up to N seconds for a consent to arrive on any instance.
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            var change = broker.Signals.NextAsync(SignalBoard.User(user.Id));
            var consents = await broker.Store.ListOpenConsentsAsync(user.Id, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false);
            var left = deadline - time.GetUtcNow();
            if (consents.Count > 0 || left <= TimeSpan.Zero || context.RequestAborted.IsCancellationRequested)
            {
                var list = new List<ConsentInfo>(consents.Count);
                foreach (var consent in consents)
                {
                    list.Add(await DescribeAsync(consent, identities, decisions, context.RequestAborted).ConfigureAwait(false));
                }

                context.Response.Headers.CacheControl = "no-store";
                return TypedResults.Json(new ConsentList(list), HostJson.Default.ConsentList);
            }

            try
            {
                await broker.WaitAsync(change, left < broker.RecheckInterval ? left : broker.RecheckInterval, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                deadline = time.GetUtcNow();
            }
        }
    }

    private static async Task<IResult> GetConsentAsync(HttpContext context, string id, ConsentBroker broker, HostIdentities identities, DecisionManager decisions)
    {
        var user = UserAccess.Current(context);
        var consent = await broker.FindOpenAsync(id, user.Id, context.RequestAborted).ConfigureAwait(false);
        return consent is null
            ? Problems.NotFound("consent_not_found", "No consent with this id waits for you (it may have been answered or timed out).")
            : TypedResults.Json(await DescribeAsync(consent, identities, decisions, context.RequestAborted).ConfigureAwait(false), HostJson.Default.ConsentInfo);
    }

    private static async Task<IResult> AnswerConsentAsync(HttpContext context, string id, ConsentBroker broker, Authorizer authorizer, TimeProvider time)
    {
        var user = UserAccess.Current(context);
        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.ConsentAnswerBody).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        // An answered consent is found too (for CallRetention after its answer), so that a retried answer is recognised.
        var consent = await broker.FindAsync(id, user.Id, context.RequestAborted).ConfigureAwait(false);
        if (consent is null || (consent.Answer is null && !consent.IsOpenAt(time.GetUtcNow())))
        {
            return ConsentNotFound();
        }

        PromptResult result;
        if (body.Answer is not null && body.Scopes is null)
        {
            if (!TryParseAnswer(body.Answer, out var answer))
            {
                return Problems.BadRequest("invalid_answer", "'answer' is \"allow\", \"allowOnce\", \"allowWhileUsing\", \"deny\" or \"dismiss\".");
            }

            result = answer switch
            {
                PromptAnswer.Allow => PromptResult.Allow,
                PromptAnswer.AllowOnce => PromptResult.AllowOnce,
                PromptAnswer.AllowWhileUsing => PromptResult.AllowWhileUsing,
                PromptAnswer.Deny => PromptResult.Deny,
                _ => PromptResult.Dismissed,
            };
        }
        else if (body.Answer is null && body.Scopes is { Count: > 0 } perScope)
        {
            var answers = new Dictionary<string, PromptAnswer>(StringComparer.Ordinal);
            foreach (var (scope, value) in perScope)
            {
                if (!consent.Scopes.Contains(scope, StringComparer.Ordinal) || !TryParseAnswer(value, out var answer))
                {
                    return Problems.BadRequest("invalid_answer",
                        "'scopes' maps each asked scope's canonical name to \"allow\", \"allowOnce\", \"allowWhileUsing\", \"deny\" or \"dismiss\".");
                }

                answers[scope] = answer;
            }

            result = PromptResult.PerScope(answers);
        }
        else
        {
            return Problems.BadRequest("invalid_answer", "Send either 'answer' for every scope or 'scopes' with one answer per scope.");
        }

        if (body.DontAskAgain == true)
        {
            if (!new PromptRequest(consent.Subject, consent.Platform, ConsentAnswers.Definitions(consent.Scopes)).OffersDontAskAgain)
            {
                return Problems.BadRequest("invalid_answer", "'dontAskAgain' is offered on Alipay, for its device permissions (location, album, camera) only.");
            }

            result = ConsentAnswers.DontAskAgain(result, consent.Scopes);
        }

        if (consent.Scopes.Any(scope => result.AnswerFor(scope) == PromptAnswer.AllowWhileUsing)
            && !new PromptRequest(consent.Subject, consent.Platform, ConsentAnswers.Definitions(consent.Scopes)).OffersWhileUsing)
        {
            return Problems.BadRequest("invalid_answer", "\"allowWhileUsing\" is offered for location scopes only.");
        }

        // The first answer wins; then it is recorded here too, so that it holds even if the instance that asked has stopped.
        // A retry (its first attempt committed, its response lost) finds its own answer and answers as the first time did;
        // recording again writes only what is still undecided, so it completes a first attempt cut short in between.
        var encoded = ConsentAnswers.Encode(result, consent.Scopes);
        if (consent.Answer is null
            && !await broker.Store.CloseConsentAsync(consent.Id, encoded, time.GetUtcNow(), context.RequestAborted).ConfigureAwait(false))
        {
            consent = await broker.FindAsync(id, user.Id, context.RequestAborted).ConfigureAwait(false);
            if (consent?.Answer is null)
            {
                return ConsentNotFound();
            }
        }

        if (consent.Answer is { } recorded && !string.Equals(recorded, encoded, StringComparison.Ordinal))
        {
            return ConsentAnswered(recorded, consent.Scopes);
        }

        await authorizer.RecordPromptAnswerAsync(new PromptRequest(consent.Subject, consent.Platform, ConsentAnswers.Definitions(consent.Scopes)), result,
            context.RequestAborted).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static IResult ConsentNotFound() =>
        Problems.NotFound("consent_not_found", "No consent with this id waits for you (it may have timed out or been withdrawn).");

    // The recorded answer in the request's own shape: "answer" when every scope got the same, else "scopes".
    private static IResult ConsentAnswered(string recorded, IReadOnlyList<string> scopes)
    {
        var decoded = ConsentAnswers.Decode(recorded);
        var perScope = scopes.ToDictionary(scope => scope, scope => ConsentAnswers.Name(decoded.AnswerFor(scope)), StringComparer.Ordinal);
        var uniform = perScope.Values.Distinct(StringComparer.Ordinal).Count() == 1 ? perScope.Values.First() : null;
        return TypedResults.Problem(
            detail: "This consent was answered already, with " + (uniform is null
                ? string.Join(", ", perScope.Select(p => $"{p.Key}: {p.Value}"))
                : $"\"{uniform}\"") + "; the first answer stands.",
            statusCode: StatusCodes.Status409Conflict, title: "Conflict", type: "https://uni-authorize.dev/problems/consent_answered",
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["code"] = "consent_answered",
                [uniform is null ? "scopes" : "answer"] = uniform is null ? perScope : uniform,
            });
    }

    private static async Task<IResult> ListAppsAsync(HttpContext context, HostIdentities identities)
    {
        var apps = await identities.Store.ListAppsAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new AppList([.. apps.Select(Describe)]), HostJson.Default.AppList);
    }

    private static async Task<IResult> GetSettingsAsync(HttpContext context, string appId, HostIdentities identities, Authorizer authorizer)
    {
        var user = UserAccess.Current(context);
        var userId = user.Id;
        var app = await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false);
        return app is null
            ? Problems.AppNotFound()
            : await SettingsAsync(app, userId, authorizer, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> ChangeSettingAsync(HttpContext context, string appId, HostIdentities identities, Authorizer authorizer,
        DecisionManager decisions, IDecisionStore decisionStore, ConsentBroker broker)
    {
        var user = UserAccess.Current(context);
        var userId = user.Id;
        var (body, bodyProblem) = await JsonBody.ReadAsync(context, HostJson.Default.SettingChangeBody).ConfigureAwait(false);
        if (body is null)
        {
            return bodyProblem!;
        }

        var app = await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Problems.AppNotFound();
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
            // The same switch written again (a retry whose answer was lost) changes nothing and answers as the first time.
            // Anything else the write would change (an answer given in a dialog, a grant while using, an expiry) is written.
            var current = await decisionStore.GetAsync(subject, entry.Scope.Name, context.RequestAborted).ConfigureAwait(false);
            if (entry.State != state || current is not { Source: DecisionSource.Settings, ExpiresAt: null, Lifetime: DecisionLifetime.Standing }
                || current.State != state)
            {
                await decisions.SetDecisionAsync(subject, entry.Scope.Name, state, DecisionSource.Settings, app.Platform, context.RequestAborted).ConfigureAwait(false);
            }

            await broker.SettleDecidedAsync(subject, context.RequestAborted).ConfigureAwait(false);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }

        return await SettingsAsync(app, userId, authorizer, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IResult> LaunchAsync(HttpContext context, string appId, HostIdentities identities, IOptions<UniAuthorizeHostOptions> options)
    {
        var user = UserAccess.Current(context);
        var app = await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false);
        if (app is null)
        {
            return Problems.AppNotFound();
        }

        if (app.DisabledAt is not null)
        {
            return AdminEndpoints.AppDisabled();
        }

        var (token, session) = await identities.IssueSessionAsync(app, user.Id, null, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new IssuedSession(token, app.Id, user.Id, session.ExpiresAt) { SandboxUrl = options.Value.MiniAppSandboxPath },
            HostJson.Default.IssuedSession);
    }

    private static async Task<IResult> SettingsAsync(HostApp app, string userId, Authorizer authorizer, CancellationToken cancellationToken)
    {
        try
        {
            var entries = await authorizer.GetSettingsEntriesAsync(new Subject(app.Id, userId), app.Platform, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(new AppSettings(Describe(app),
                [.. entries.Select(e => new SettingsEntryInfo(e.Scope.Name, e.Key, StateName(e.State), e.Scope.DescriptionZh, e.Scope.DescriptionEn)
                {
                    Lifetime = e.Lifetime == DecisionLifetime.WhileUsing ? "whileUsing" : "standing",
                })]),
                HostJson.Default.AppSettings);
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }
    }

    private static async ValueTask<ConsentInfo> DescribeAsync(ConsentRecord consent, HostIdentities identities, DecisionManager decisions,
        CancellationToken cancellationToken)
    {
        var app = await identities.Store.GetAppAsync(consent.Subject.AppId, cancellationToken).ConfigureAwait(false);
        var appInfo = app is null ? new AppInfo(consent.Subject.AppId, consent.Subject.AppId, PlatformNames.Of(consent.Platform)) : Describe(app);
        // The manifest as it is now: the consent asks under the current purpose, the one its answer is recorded against.
        var manifest = await decisions.GetManifestAsync(consent.Subject.AppId, cancellationToken).ConfigureAwait(false);
        var scopes = ConsentAnswers.Definitions(consent.Scopes);
        return new ConsentInfo(consent.Id, appInfo, [.. scopes.Select(s => CatalogEndpoints.Describe(s, consent.Platform) with
        {
            Purpose = manifest?.Purposes.TryGetValue(s.Name, out var purpose) == true ? purpose.Description : null,
        })], consent.CreatedAt, consent.ExpiresAt)
        {
            OffersWhileUsing = new PromptRequest(consent.Subject, consent.Platform, scopes).OffersWhileUsing,
            OffersDontAskAgain = new PromptRequest(consent.Subject, consent.Platform, scopes).OffersDontAskAgain,
        };
    }

    public static AppInfo Describe(HostApp app) =>
        new(app.Id, app.Name, PlatformNames.Of(app.Platform)) { IconLetter = HostIdentities.IconLetterOf(app) };

    public static string StateName(DecisionState state) => state switch
    {
        DecisionState.Granted => "granted",
        DecisionState.Denied => "denied",
        _ => "notDetermined",
    };

    public static bool TryParseState(string? value, out DecisionState state)
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
            "allowOnce" => (true, PromptAnswer.AllowOnce),
            "allowWhileUsing" => (true, PromptAnswer.AllowWhileUsing),
            "deny" => (true, PromptAnswer.Deny),
            "dismiss" => (true, PromptAnswer.Dismissed),
            _ => (false, PromptAnswer.Dismissed),
        };
        return ok;
    }
}
