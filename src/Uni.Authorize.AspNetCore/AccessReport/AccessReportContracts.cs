using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uni.Authorize.AspNetCore;

/// <summary>The user's access report: per app and scope, uses today and in the retention window.</summary>
/// <param name="Today">Where the user's today began.</param>
/// <param name="Since">The start of the retention window.</param>
/// <param name="Apps">Each app with uses in the window, by id.</param>
internal sealed record UserAccessReport(DateTimeOffset Today, DateTimeOffset Since, IReadOnlyList<AppAccess> Apps);

internal sealed record AppAccess(AppInfo App, IReadOnlyList<ScopeAccess> Scopes);

/// <param name="Scope">The scope; empty for APIs the platform runs without asking.</param>
/// <param name="Today">Uses since <see cref="UserAccessReport.Today"/>.</param>
/// <param name="Count">Uses in the retention window.</param>
/// <param name="LastAt">The latest use.</param>
/// <param name="Apis">The APIs used, by name.</param>
internal sealed record ScopeAccess(string Scope, int Today, int Count, DateTimeOffset LastAt, IReadOnlyList<string> Apis);

/// <summary>The operator's report: every user's uses since <see cref="Since"/> per app, scope and API.</summary>
internal sealed record OperatorAccessReport(DateTimeOffset Since, IReadOnlyList<AccessAggregateInfo> Uses);

internal sealed record AccessAggregateInfo(string AppId, string Scope, string Api, long Count, long Users, DateTimeOffset LastAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UserAccessReport))]
[JsonSerializable(typeof(OperatorAccessReport))]
internal sealed partial class AccessReportJson : JsonSerializerContext;
