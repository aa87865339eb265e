using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>The operator's API, guarded by <c>X-Admin-Key</c> or the operator policy (see <see cref="OperatorAccess"/>):
/// register apps (the secret is shown once), create users, issue and revoke mini-app sessions, export and erase a user's
/// data, and what the console calls (<see cref="ConsoleEndpoints"/>).</summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        OperatorSignIn.Map(routes);
        // One check for the whole group, before any body is read.
        var group = routes.MapGroup(string.Empty).AddEndpointFilter(OperatorAccess.RequireOperatorAsync);
        group.MapPost("/apps", CreateAppAsync).Accepts<CreateAppBody>("application/json").Produces<CreatedApp>(201);
        group.MapGet("/apps", ListAppsAsync).Produces<OperatorAppList>();
        group.MapPost("/users", CreateUserAsync).Accepts<CreateUserBody>("application/json").Produces<UserInfo>();
        group.MapPost("/sessions", CreateSessionAsync).Accepts<CreateSessionBody>("application/json").Produces<IssuedSession>(201);
        group.MapPost("/sessions/revoke", RevokeSessionAsync).Accepts<RevokeSessionBody>("application/json").Produces(204);
        group.MapGet("/users/{userId}/data", ExportUserDataAsync).Produces<UserDataExport>();
        group.MapDelete("/users/{userId}/data", EraseUserDataAsync).Produces<UserErasureInfo>();
        ProfileEndpoints.MapAdmin(group);
        WebhookAdminEndpoints.Map(group);
        ManifestAdminEndpoints.Map(group);
        AccessReportEndpoints.MapAdmin(group);
        ConsoleEndpoints.Map(group);
    }

    private static async Task<IResult> ExportUserDataAsync(HttpContext context, string userId)
    {
        if (!UserData.IsValidUserId(userId))
        {
            return InvalidUserId();
        }

        var export = await UserData.ExportAsync(userId, context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.ContentDisposition = "attachment; filename=\"user-data.json\"";
        return TypedResults.Json(export, HostJson.Default.UserDataExport);
    }

    private static async Task<IResult> EraseUserDataAsync(HttpContext context, string userId)
    {
        if (!UserData.IsValidUserId(userId))
        {
            return InvalidUserId();
        }

        var erased = await UserData.EraseAsync(userId, context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        OperatorAccess.Audit(context, "erased the data of user", userId);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(erased, HostJson.Default.UserErasureInfo);
    }

    public static IResult AppDisabled() => Problems.Create(StatusCodes.Status409Conflict, "app_disabled", "An operator disabled this app.");

    public static IResult InvalidUserId() => Problems.BadRequest("invalid_user_id",
        $"'userId' is 1 to {Subject.MaxIdLength} characters without control characters, and not the pseudonym of an erased user.");

    private static async Task<IResult> CreateAppAsync(HttpContext context, HostIdentities identities)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, HostJson.Default.CreateAppBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var id = body.Id ?? "app_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        if (!HostIdentities.IsValidAppId(id) || !HostIdentities.IsValidName(body.Name) || !PlatformNames.TryParse(body.Platform, out var platform))
        {
            return Problems.BadRequest("invalid_app",
                "'id' (optional) is 1 to 64 of A-Z a-z 0-9 _ - .; 'name' is 1 to 64 characters; 'platform' is wechat, alipay, bytedance, baidu or kuaishou.");
        }

        if (body.IconLetter is not null && !HostIdentities.IsValidIconLetter(body.IconLetter))
        {
            return Problems.BadRequest("invalid_icon_letter", "'iconLetter' (optional) is one visible character, such as 天 or W.");
        }

        var created = await identities.CreateAppAsync(id, body.Name!, platform, body.IconLetter, context.RequestAborted).ConfigureAwait(false);
        if (created is not { } pair)
        {
            return Problems.Create(StatusCodes.Status409Conflict, "app_exists", "An app with this id exists.");
        }

        OperatorAccess.Audit(context, "registered app", pair.App.Id);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new CreatedApp(pair.App.Id, pair.App.Name, PlatformNames.Of(pair.App.Platform), pair.Secret,
            HostIdentities.IconLetterOf(pair.App)), HostJson.Default.CreatedApp,
            statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAppsAsync(HttpContext context, HostIdentities identities)
    {
        var apps = await identities.Store.ListAppsAsync(context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new OperatorAppList([.. apps.Select(ConsoleEndpoints.Describe)]), ConsoleJson.Default.OperatorAppList);
    }

    private static async Task<IResult> CreateUserAsync(HttpContext context, HostIdentities identities)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, HostJson.Default.CreateUserBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (!HostIdentities.IsValidName(body.Name))
        {
            return Problems.BadRequest("invalid_name", "'name' is 1 to 64 characters, not blank, without control characters.");
        }

        var user = await identities.SignInAsync(body.Name!, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Json(new UserInfo(user.Id, user.Name), HostJson.Default.UserInfo);
    }

    private static async Task<IResult> CreateSessionAsync(HttpContext context, HostIdentities identities, IOptions<UniAuthorizeHostOptions> options)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, HostJson.Default.CreateSessionBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var maxSeconds = (int)Math.Min(int.MaxValue, options.Value.SessionLifetime.TotalSeconds);
        if (body.LifetimeSeconds is < 1 || body.LifetimeSeconds > maxSeconds)
        {
            return Problems.BadRequest("invalid_lifetime", $"'lifetimeSeconds' is 1 to {maxSeconds}.");
        }

        var app = await identities.FindAppAsync(body.AppId, context.RequestAborted).ConfigureAwait(false);
        var user = body.UserId is { Length: > 0 and <= Subject.MaxIdLength } userId
            ? await identities.Store.GetUserAsync(userId, context.RequestAborted).ConfigureAwait(false)
            : null;
        if (app is null || user is null)
        {
            return Problems.BadRequest("unknown_app_or_user", "'appId' and 'userId' must name a registered app and user.");
        }

        if (app.DisabledAt is not null)
        {
            return AppDisabled();
        }

        var lifetime = body.LifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        var (token, session) = await identities.IssueSessionAsync(app, user.Id, lifetime, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new IssuedSession(token, app.Id, user.Id, session.ExpiresAt), HostJson.Default.IssuedSession, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> RevokeSessionAsync(HttpContext context, HostIdentities identities, DecisionManager decisions)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, HostJson.Default.RevokeSessionBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (body.Token is not { Length: > 0 } token || await identities.RevokeSessionAsync(token, context.RequestAborted).ConfigureAwait(false) is not { } session)
        {
            return Problems.NotFound("session_not_found", "No session has this token.");
        }

        await WhileUsingGrants.EndAsync(decisions, [session], context.RequestAborted).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
