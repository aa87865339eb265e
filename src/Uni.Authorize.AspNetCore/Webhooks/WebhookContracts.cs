using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uni.Authorize.AspNetCore;

internal sealed record WebhookBody(string? Url);

/// <summary>An app's webhook as the admin API shows it; <see cref="Secret"/> only when it was just created or rotated.</summary>
internal sealed record WebhookInfo(string AppId, string Url, DateTimeOffset UpdatedAt, string? Secret = null);

/// <summary>The body of a delivered event.</summary>
/// <param name="Id">The event id: the same on every attempt, so receivers deduplicate by it.</param>
/// <param name="Type">scope.revoked, scope.reset, user.erased or session.revoked.</param>
/// <param name="AppId">The app told.</param>
/// <param name="OpenId">The user as the app knows them: the id its code exchange returns.</param>
/// <param name="Scope">The scope, for scope events.</param>
/// <param name="OccurredAt">When the change was made.</param>
internal sealed record WebhookPayload(string Id, string Type, string AppId, string OpenId, string? Scope, DateTimeOffset OccurredAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WebhookBody))]
[JsonSerializable(typeof(WebhookInfo))]
[JsonSerializable(typeof(WebhookPayload))]
internal sealed partial class WebhookJson : JsonSerializerContext;
