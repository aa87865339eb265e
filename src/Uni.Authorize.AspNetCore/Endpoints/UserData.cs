using Microsoft.Extensions.DependencyInjection;

namespace Uni.Authorize.AspNetCore;

/// <summary>A user's data rights over every store: the export (one document), an app's history, withdrawing every
/// decision of an app, and erasure. Shared by the user's and the operator's endpoints.</summary>
internal static class UserData
{
    /// <summary>Whether <paramref name="userId"/> can name a user: an id as subjects take it, and not an erasure's pseudonym.</summary>
    public static bool IsValidUserId(string? userId) => new Subject("app", userId!).IsValid && !DecisionErasure.IsPseudonym(userId);

    /// <summary>Profile (with what the user shows apps), decisions, audit and access records per app, and sessions
    /// (without tokens or their hashes). Session keys stay out: they are the apps' secrets for this user's data, not data
    /// about the user.</summary>
    public static async Task<UserDataExport> ExportAsync(string userId, IServiceProvider services, CancellationToken cancellationToken)
    {
        var identities = services.GetRequiredService<HostIdentities>();
        var decisionStore = services.GetRequiredService<IDecisionStore>();
        var user = await identities.Store.GetUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var decisions = await decisionStore.ListUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var audit = await decisionStore.GetUserAuditAsync(userId, cancellationToken).ConfigureAwait(false);
        var sessions = await identities.Store.ListUserSessionsAsync(userId, cancellationToken).ConfigureAwait(false);
        var profile = await identities.Store.GetProfileAsync(userId, cancellationToken).ConfigureAwait(false);
        var access = await services.GetRequiredService<IAccessRecordStore>().ListUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var apps = new List<AppData>();
        foreach (var appId in decisions.Select(d => d.Subject.AppId).Concat(audit.Select(a => a.Subject.AppId)).Concat(access.Select(a => a.AppId))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            apps.Add(new AppData(
                await DescribeAsync(appId, identities, cancellationToken).ConfigureAwait(false),
                [.. decisions.Where(d => d.Subject.AppId == appId).Select(Describe)],
                [.. audit.Where(a => a.Subject.AppId == appId).Select(Describe)],
                [.. access.Where(a => a.AppId == appId).Select(static a => new AccessUseData(a.Scope, a.Api, a.At))]));
        }

        return new UserDataExport(
            services.GetRequiredService<TimeProvider>().GetUtcNow(),
            userId,
            user is null ? null : new UserProfileData(user.Id, user.Name, user.CreatedAt)
            {
                AppProfile = profile is null ? null : ProfileRules.Describe(profile),
            },
            apps,
            [.. sessions.Select(s => new SessionData(s.AppId, s.IssuedAt, s.ExpiresAt))]);
    }

    /// <summary>Each scope the app asked about: its decision (if one is stored) and its audit trail, oldest first.</summary>
    public static async Task<AppHistory> HistoryAsync(HostApp app, string userId, IDecisionStore store, CancellationToken cancellationToken)
    {
        var subject = new Subject(app.Id, userId);
        var decisions = await store.ListAsync(subject, cancellationToken).ConfigureAwait(false);
        var audit = await store.GetAuditAsync(subject, cancellationToken).ConfigureAwait(false);
        return History(app, decisions, audit);
    }

    /// <summary>The history of one app from its decisions and audit entries (one subject's).</summary>
    public static AppHistory History(HostApp app, IReadOnlyList<Decision> decisions, IReadOnlyList<DecisionAuditEntry> audit)
    {
        var scopes = decisions.Select(d => d.Scope).Concat(audit.Select(a => a.Scope)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new AppHistory(UserEndpoints.Describe(app), [.. scopes.Select(scope => new ScopeHistory(
            scope,
            decisions.FirstOrDefault(d => d.Scope == scope) is { } decision ? Describe(decision) : null,
            [.. audit.Where(a => a.Scope == scope).Select(Describe)]))]);
    }

    /// <summary>Sets every decided scope of the app back to not determined, audited as a settings change.</summary>
    public static async Task WithdrawAsync(HostApp app, string userId, IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IDecisionStore>();
        var decisions = services.GetRequiredService<DecisionManager>();
        var subject = new Subject(app.Id, userId);
        foreach (var decision in await store.ListAsync(subject, cancellationToken).ConfigureAwait(false))
        {
            if (decision.State != DecisionState.NotDetermined)
            {
                await decisions.SetDecisionAsync(subject, decision.Scope, DecisionState.NotDetermined, DecisionSource.Settings, app.Platform, cancellationToken)
                    .ConfigureAwait(false);
            }
        }

        await services.GetRequiredService<ConsentBroker>().SettleDecidedAsync(subject, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Erases the user: sessions and profile first (so the user's apps stop acting for them), then codes, consents
    /// and calls, then decisions (and the user's pending webhook events but the apps' user.erased) and access records; the audit entries stay, under a pseudonym that no longer names the user.</summary>
    public static async Task<UserErasureInfo> EraseAsync(string userId, IServiceProvider services, CancellationToken cancellationToken)
    {
        var identities = services.GetRequiredService<HostIdentities>();
        var profile = await identities.Store.GetUserAsync(userId, cancellationToken).ConfigureAwait(false) is not null;
        var sessions = await identities.EraseUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var codes = await services.GetRequiredService<IAuthCodeStore>().EraseUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var consents = await services.GetRequiredService<IConsentStore>().EraseUserAsync(userId, cancellationToken).ConfigureAwait(false);
        var decisions = await services.GetRequiredService<IDecisionStore>().EraseUserAsync(userId, cancellationToken).ConfigureAwait(false);
        // The erasure queued user.erased for the user's apps; those keep only the id each app knows, the rest go.
        var pseudonyms = services.GetRequiredService<Pseudonyms>();
        await services.GetRequiredService<IWebhookStore>().ForgetUserAsync(userId, async (appId, ct) =>
            await identities.Store.GetAppAsync(appId, ct).ConfigureAwait(false) is { } app
                ? await pseudonyms.OfAppAsync(app, userId, ct).ConfigureAwait(false)
                : await pseudonyms.OpenIdAsync(appId, userId, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        // Uses the gate buffered before the sessions went are written first, so that none outlives the erasure.
        if (services.GetService<AccessRecorder>() is { } recorder)
        {
            await recorder.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        var access = await services.GetRequiredService<IAccessRecordStore>().EraseUserAsync(userId, cancellationToken).ConfigureAwait(false);
        return new UserErasureInfo(profile, sessions, codes, consents, decisions.Decisions, decisions.AuditEntries, access);
    }

    public static string SourceName(DecisionSource source) => source switch
    {
        DecisionSource.Prompt => "dialog",
        DecisionSource.Settings => "settings",
        DecisionSource.Admin => "admin",
        _ => "policy",
    };

    private static DecisionInfo Describe(Decision decision) =>
        new(decision.Scope, UserEndpoints.StateName(decision.State), SourceName(decision.Source), decision.DecidedAt, decision.ExpiresAt);

    private static AuditEntryInfo Describe(DecisionAuditEntry entry) =>
        new(entry.Scope, UserEndpoints.StateName(entry.From), UserEndpoints.StateName(entry.To), SourceName(entry.Source), entry.At);

    private static async ValueTask<AppInfo> DescribeAsync(string appId, HostIdentities identities, CancellationToken cancellationToken) =>
        await identities.Store.GetAppAsync(appId, cancellationToken).ConfigureAwait(false) is { } app
            ? UserEndpoints.Describe(app)
            : new AppInfo(appId, appId, "unknown");
}
