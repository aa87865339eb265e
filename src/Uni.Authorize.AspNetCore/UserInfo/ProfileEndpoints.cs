using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>The profile a user shows apps (nickname and avatar): read and changed by the user, or by an operator.</summary>
internal static class ProfileEndpoints
{
    /// <summary>Maps <c>GET</c> / <c>PUT /profile</c> on the user group (behind its filter).</summary>
    public static void MapUser(IEndpointRouteBuilder user)
    {
        user.MapGet("/profile", (HttpContext context, HostIdentities identities) => GetAsync(context, UserAccess.Current(context).Id, identities))
            .Produces<ProfileInfo>();
        user.MapPut("/profile", (HttpContext context, HostIdentities identities) => PutAsync(context, UserAccess.Current(context).Id, identities))
            .Accepts<ProfileBody>("application/json").Produces<ProfileInfo>();
    }

    /// <summary>Maps <c>GET</c> / <c>PUT /users/{userId}/profile</c> on the admin group.</summary>
    public static void MapAdmin(IEndpointRouteBuilder admin)
    {
        admin.MapGet("/users/{userId}/profile", AdminGetAsync).Produces<ProfileInfo>();
        admin.MapPut("/users/{userId}/profile", AdminPutAsync).Accepts<ProfileBody>("application/json").Produces<ProfileInfo>();
    }

    private static Task<IResult> AdminGetAsync(HttpContext context, string userId, HostIdentities identities) =>
        UserData.IsValidUserId(userId) ? GetAsync(context, userId, identities) : Task.FromResult(AdminEndpoints.InvalidUserId());

    private static async Task<IResult> AdminPutAsync(HttpContext context, string userId, HostIdentities identities)
    {
        if (!UserData.IsValidUserId(userId))
        {
            return AdminEndpoints.InvalidUserId();
        }

        var result = await PutAsync(context, userId, identities).ConfigureAwait(false);
        if (result is IStatusCodeHttpResult { StatusCode: StatusCodes.Status200OK })
        {
            OperatorAccess.Audit(context, "changed the profile of user", userId);
        }

        return result;
    }

    private static async Task<IResult> GetAsync(HttpContext context, string userId, HostIdentities identities)
    {
        var profile = await ProfileRules.EffectiveAsync(identities.Store, userId, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return profile is null ? UserNotFound() : TypedResults.Json(ProfileRules.Describe(profile), HostJson.Default.ProfileInfo);
    }

    private static async Task<IResult> PutAsync(HttpContext context, string userId, HostIdentities identities)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, HostJson.Default.ProfileBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        var (profile, invalid) = ProfileRules.Validate(body);
        if (profile is null)
        {
            return invalid!;
        }

        if (!await identities.Store.SetProfileAsync(userId, profile, context.RequestAborted).ConfigureAwait(false))
        {
            return UserNotFound();
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(ProfileRules.Describe(profile), HostJson.Default.ProfileInfo);
    }

    private static IResult UserNotFound() => Problems.NotFound("user_not_found", "No user with this id.");
}
