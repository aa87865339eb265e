using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>What the operator's console calls on the admin API: the operator and an antiforgery token, apps (rotate the
/// secret, set the privacy contract, disable), users (find, decisions with their trail, change or reset a decision as
/// the operator) and the live figures. Every change is audited as the operator.</summary>
internal static class ConsoleEndpoints
{
    private const int MaxFound = 50;

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/me", GetOperator).Produces<OperatorInfo>();
        group.MapGet("/antiforgery", GetAntiforgery).Produces<AntiforgeryInfo>();
        group.MapPost("/apps/{appId}/secret", RotateSecretAsync).Produces<RotatedSecret>();
        group.MapPut("/apps/{appId}/privacy-contract", SetPrivacyContractAsync).Accepts<PrivacyContractBody>("application/json").Produces<OperatorAppInfo>();
        group.MapDelete("/apps/{appId}/privacy-contract", RemovePrivacyContractAsync).Produces<OperatorAppInfo>();
        group.MapPost("/apps/{appId}/disable", DisableAppAsync).Produces<DisabledApp>();
        group.MapGet("/users", FindUsersAsync).Produces<UserSearch>();
        group.MapGet("/users/{userId}/decisions", GetDecisionsAsync).Produces<UserDecisions>();
        group.MapPut("/users/{userId}/apps/{appId}/decisions", ChangeDecisionAsync).Accepts<OperatorDecisionBody>("application/json").Produces<AppHistory>();
        group.MapGet("/figures", GetFiguresAsync).Produces<LiveFiguresInfo>();
        AlipayKeyEndpoints.Map(group);
    }

    public static OperatorAppInfo Describe(HostApp app) =>
        new(app.Id, app.Name, PlatformNames.Of(app.Platform), app.CreatedAt, app.DisabledAt,
            app is { PrivacyContractName: { } name, PrivacyContractUrl: { } url } ? new PrivacyContractInfo(name, url) : null,
            HostIdentities.IconLetterOf(app)) { AlipayPublicKey = app.AlipayPublicKey };

    private static IResult GetOperator(HttpContext context)
    {
        var @operator = OperatorAccess.Current(context);
        return TypedResults.Json(new OperatorInfo(@operator.Name, @operator.ByKey), ConsoleJson.Default.OperatorInfo);
    }

    private static IResult GetAntiforgery(HttpContext context, IAntiforgery antiforgery)
    {
        // The token is bound to the operator the filter authenticated (the request's user).
        var tokens = antiforgery.GetAndStoreTokens(context);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new AntiforgeryInfo(tokens.RequestToken!, UserAccess.HeaderName(context)), ConsoleJson.Default.AntiforgeryInfo);
    }

    private static async Task<IResult> RotateSecretAsync(HttpContext context, string appId, HostIdentities identities)
    {
        if (await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false) is not { } app)
        {
            return Problems.AppNotFound();
        }

        if (await identities.RotateSecretAsync(app, context.RequestAborted).ConfigureAwait(false) is not { } secret)
        {
            return Problems.AppNotFound();
        }

        OperatorAccess.Audit(context, "rotated the secret of app", app.Id);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new RotatedSecret(app.Id, secret), ConsoleJson.Default.RotatedSecret);
    }

    private static async Task<IResult> SetPrivacyContractAsync(HttpContext context, string appId, HostIdentities identities)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, ConsoleJson.Default.PrivacyContractBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (!HostIdentities.IsValidName(body.Name))
        {
            return Problems.BadRequest("invalid_privacy_contract", "'name' is 1 to 64 characters without control characters.");
        }

        if (body.Url is null || !PrivacyContract.IsValidUrl(body.Url))
        {
            return Problems.BadRequest("invalid_privacy_contract", $"'url' must be {LocalUrl.Rule}.");
        }

        if (await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false) is not { } app)
        {
            return Problems.AppNotFound();
        }

        if (app.Platform != Platform.WeChat)
        {
            return Problems.BadRequest("wechat_only", $"Privacy contracts are a WeChat rule; the app's platform is {PlatformNames.Of(app.Platform)}.");
        }

        return await UpdateAsync(context, identities, app with { PrivacyContractName = body.Name!.Trim(), PrivacyContractUrl = body.Url },
            "set the privacy contract of app").ConfigureAwait(false);
    }

    private static async Task<IResult> RemovePrivacyContractAsync(HttpContext context, string appId, HostIdentities identities) =>
        await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false) is { } app
            ? await UpdateAsync(context, identities, app with { PrivacyContractName = null, PrivacyContractUrl = null },
                "removed the privacy contract of app").ConfigureAwait(false)
            : Problems.AppNotFound();

    private static async Task<IResult> UpdateAsync(HttpContext context, HostIdentities identities, HostApp app, string action)
    {
        if (!await identities.UpdateAppAsync(app, context.RequestAborted).ConfigureAwait(false))
        {
            return Problems.AppNotFound();
        }

        OperatorAccess.Audit(context, action, app.Id);
        return TypedResults.Json(Describe(app), ConsoleJson.Default.OperatorAppInfo);
    }

    private static async Task<IResult> DisableAppAsync(HttpContext context, string appId, HostIdentities identities, IAuthCodeStore codes, DecisionManager decisions)
    {
        if (await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false) is not { } app
            || await identities.DisableAppAsync(app, context.RequestAborted).ConfigureAwait(false) is not { } sessions)
        {
            return Problems.AppNotFound();
        }

        await WhileUsingGrants.EndAsync(decisions, sessions, context.RequestAborted).ConfigureAwait(false);

        // After the app is marked disabled no new code can be issued to it, so none outlives this sweep.
        var removed = await codes.RemoveAppCodesAsync(app.Id, context.RequestAborted).ConfigureAwait(false);
        OperatorAccess.Audit(context, "disabled app", app.Id);
        var disabled = await identities.Store.GetAppAsync(app.Id, context.RequestAborted).ConfigureAwait(false) ?? app;
        return TypedResults.Json(new DisabledApp(Describe(disabled), sessions.Count, removed), ConsoleJson.Default.DisabledApp);
    }

    private static async Task<IResult> FindUsersAsync(HttpContext context, HostIdentities identities, string? query, int? limit)
    {
        if (query is null || !new Subject("app", query).IsValid)
        {
            return Problems.BadRequest("invalid_query", $"'query' is a user id or the start of a name: 1 to {Subject.MaxIdLength} characters without control characters.");
        }

        if (limit is < 1 or > MaxFound)
        {
            return Problems.BadRequest("invalid_limit", $"'limit' is 1 to {MaxFound}.");
        }

        var users = await identities.Store.FindUsersAsync(query, limit ?? 20, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new UserSearch([.. users.Select(Summary)]), ConsoleJson.Default.UserSearch);
    }

    private static async Task<IResult> GetDecisionsAsync(HttpContext context, string userId, HostIdentities identities, IDecisionStore store)
    {
        if (!UserData.IsValidUserId(userId))
        {
            return AdminEndpoints.InvalidUserId();
        }

        var cancellationToken = context.RequestAborted;
        var user = await identities.Store.GetUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var decisions = await store.ListUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var audit = await store.GetUserAuditAsync(userId, cancellationToken).ConfigureAwait(false);
        var apps = new List<AppHistory>();
        foreach (var appId in decisions.Select(d => d.Subject.AppId).Concat(audit.Select(a => a.Subject.AppId)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var app = await identities.Store.GetAppAsync(appId, cancellationToken).ConfigureAwait(false)
                ?? new HostApp(appId, appId, Platform.WeChat, string.Empty, default);
            apps.Add(UserData.History(app, [.. decisions.Where(d => d.Subject.AppId == appId)], [.. audit.Where(a => a.Subject.AppId == appId)]));
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new UserDecisions(userId, user is null ? null : Summary(user), apps), ConsoleJson.Default.UserDecisions);
    }

    private static async Task<IResult> ChangeDecisionAsync(HttpContext context, string userId, string appId, HostIdentities identities,
        IDecisionStore store, DecisionManager decisions, ConsentBroker broker)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, ConsoleJson.Default.OperatorDecisionBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (!UserData.IsValidUserId(userId))
        {
            return AdminEndpoints.InvalidUserId();
        }

        if (!UserEndpoints.TryParseState(body.State, out var state))
        {
            return Problems.BadRequest("invalid_state", "'state' is \"granted\", \"denied\" or \"notDetermined\" (a reset).");
        }

        if (await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false) is not { } app)
        {
            return Problems.AppNotFound();
        }

        var subject = new Subject(app.Id, userId);
        try
        {
            await decisions.SetDecisionAsync(subject, body.Scope ?? string.Empty, state, DecisionSource.Admin, app.Platform, context.RequestAborted).ConfigureAwait(false);
            await broker.SettleDecidedAsync(subject, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            return Problems.BadRequest("invalid_scope", $"'scope' must name a scope of {PlatformNames.Of(app.Platform)} (canonical or native name).");
        }
        catch (AuthorizeException ex)
        {
            return Problems.Unavailable(ex.Error.Message);
        }

        OperatorAccess.Audit(context, $"set {body.Scope} to {UserEndpoints.StateName(state)} in app {app.Id} for user", userId);
        var history = await UserData.HistoryAsync(app, userId, store, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(history, ConsoleJson.Default.AppHistory);
    }

    private static async Task<IResult> GetFiguresAsync(HttpContext context, LiveFigures figures)
    {
        var snapshot = await figures.SnapshotAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(snapshot, ConsoleJson.Default.LiveFiguresInfo);
    }

    private static UserSummary Summary(HostUser user) => new(user.Id, user.Name, user.CreatedAt);
}
