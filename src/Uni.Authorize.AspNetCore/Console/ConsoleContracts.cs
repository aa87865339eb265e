using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uni.Authorize.AspNetCore;

internal sealed record PrivacyContractBody(string? Name, string? Url);

internal sealed record OperatorDecisionBody(string? Scope, string? State);

internal sealed record PrivacyContractInfo(string Name, string Url);

internal sealed record OperatorAppInfo(string Id, string Name, string Platform, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt,
    PrivacyContractInfo? PrivacyContract, string IconLetter)
{
    /// <summary>The Alipay app's registered gateway key (base64 SubjectPublicKeyInfo), absent while it has none.</summary>
    public string? AlipayPublicKey { get; init; }
}

internal sealed record AlipayPublicKeyBody(string? PublicKey);

internal sealed record AlipayGatewayKeyInfo(string PublicKey, string SignType);

internal sealed record OperatorAppList(IReadOnlyList<OperatorAppInfo> Apps);

internal sealed record RotatedSecret(string AppId, string Secret);

internal sealed record DisabledApp(OperatorAppInfo App, int Sessions, int AuthCodes);

internal sealed record UserSummary(string Id, string Name, DateTimeOffset CreatedAt);

internal sealed record UserSearch(IReadOnlyList<UserSummary> Users);

internal sealed record UserDecisions(string UserId, UserSummary? Profile, IReadOnlyList<AppHistory> Apps);

internal sealed record OperatorInfo(string Name, bool ByKey);

internal sealed record MinuteFigures(DateTimeOffset Minute, long Prompts, long Grants, long Denials, long FastFails);

internal sealed record LiveFiguresInfo(DateTimeOffset At, int PendingConsents, string Scope, IReadOnlyList<MinuteFigures> Minutes);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PrivacyContractBody))]
[JsonSerializable(typeof(OperatorDecisionBody))]
[JsonSerializable(typeof(OperatorAppInfo))]
[JsonSerializable(typeof(OperatorAppList))]
[JsonSerializable(typeof(RotatedSecret))]
[JsonSerializable(typeof(DisabledApp))]
[JsonSerializable(typeof(UserSearch))]
[JsonSerializable(typeof(UserDecisions))]
[JsonSerializable(typeof(OperatorInfo))]
[JsonSerializable(typeof(LiveFiguresInfo))]
[JsonSerializable(typeof(AppHistory))]
[JsonSerializable(typeof(AntiforgeryInfo))]
[JsonSerializable(typeof(AlipayPublicKeyBody))]
[JsonSerializable(typeof(AlipayGatewayKeyInfo))]
internal sealed partial class ConsoleJson : JsonSerializerContext;
