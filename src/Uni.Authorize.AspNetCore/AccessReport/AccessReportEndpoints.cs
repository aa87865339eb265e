using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>The access report: the user's own (which app used what, and when) and the operator's aggregate.</summary>
internal static class AccessReportEndpoints
{
    // The page sends the start of the user's local day; a day and a half covers every time zone.
    private static readonly TimeSpan LongestDayStart = TimeSpan.FromHours(38);

    /// <summary>Maps the user's report inside the user group, behind its sign-in check.</summary>
    public static void MapUser(IEndpointRouteBuilder group) =>
        group.MapGet("/access", GetUserReportAsync).Produces<UserAccessReport>();

    /// <summary>Maps the operator's report inside the admin group, behind its key check.</summary>
    public static void MapAdmin(IEndpointRouteBuilder group) =>
        group.MapGet("/access-report", GetOperatorReportAsync).Produces<OperatorAccessReport>();

    private static async Task<IResult> GetUserReportAsync(HttpContext context, IAccessRecordStore store, HostIdentities identities,
        IOptions<AccessReportOptions> options, TimeProvider time, string? appId = null, string? today = null)
    {
        var user = UserAccess.Current(context);
        var now = time.GetUtcNow();
        var dayStart = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        if (today is not null && (!TryParseInstant(today, out dayStart) || dayStart > now || dayStart < now - LongestDayStart))
        {
            return Problems.BadRequest("invalid_today", "'today' is the start of the user's day as an ISO 8601 instant, at most 38 hours ago.");
        }

        if (appId is not null && !HostIdentities.IsValidAppId(appId))
        {
            return Problems.NotFound("app_not_found", "No app with this id.");
        }

        var since = now - options.Value.Retention;
        var summaries = await store.SummarizeUserAsync(user.Id, appId, dayStart, since, context.RequestAborted).ConfigureAwait(false);
        var apps = new List<AppAccess>();
        foreach (var app in summaries.GroupBy(static s => s.AppId, StringComparer.Ordinal))
        {
            var info = await identities.Store.GetAppAsync(app.Key, context.RequestAborted).ConfigureAwait(false) is { } known
                ? UserEndpoints.Describe(known)
                : new AppInfo(app.Key, app.Key, "unknown");
            apps.Add(new AppAccess(info, [.. app.GroupBy(static s => s.Scope, StringComparer.Ordinal).Select(static scope => new ScopeAccess(
                scope.Key, scope.Sum(static s => s.Today), scope.Sum(static s => s.Count), scope.Max(static s => s.LastAt), [.. scope.Select(static s => s.Api)]))]));
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(new UserAccessReport(dayStart, since, apps), AccessReportJson.Default.UserAccessReport);
    }

    private static async Task<IResult> GetOperatorReportAsync(HttpContext context, IAccessRecordStore store, IOptions<AccessReportOptions> options,
        TimeProvider time, string? appId = null, string? since = null)
    {
        var now = time.GetUtcNow();
        var from = now - options.Value.Retention;
        if (since is not null && (!TryParseInstant(since, out from) || from > now))
        {
            return Problems.BadRequest("invalid_since", "'since' is an ISO 8601 instant that is not in the future.");
        }

        if (appId is not null && !HostIdentities.IsValidAppId(appId))
        {
            return Problems.BadRequest("invalid_app_id", "'appId' is not a valid app id.");
        }

        var uses = await store.AggregateAsync(appId, from, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(
            new OperatorAccessReport(from, [.. uses.Select(static u => new AccessAggregateInfo(u.AppId, u.Scope, u.Api, u.Count, u.Users, u.LastAt))]),
            AccessReportJson.Default.OperatorAccessReport);
    }

    private static bool TryParseInstant(string text, out DateTimeOffset instant) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
}
