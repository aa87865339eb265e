using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uni.Authorize.Client;

internal sealed record AuthorizeRequestBody(string? Scope, IReadOnlyList<string>? Scopes);

internal sealed record CallErrorBody(string Code, string Message);

internal sealed record CallBody(string Status, string Platform, string? ErrMsg, IReadOnlyList<string>? Scopes, string? AuthCode, CallErrorBody? Error, JsonElement Native, string? PollUrl);

internal sealed record SettingBody(string Platform, Dictionary<string, bool> AuthSetting, JsonElement Native, string? SettingsUrl);

internal sealed record LoginBody(string Code, string ErrMsg);

internal sealed record ProblemBody(int? Status, string? Code, string? Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuthorizeRequestBody))]
[JsonSerializable(typeof(CallBody))]
[JsonSerializable(typeof(SettingBody))]
[JsonSerializable(typeof(LoginBody))]
[JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ClientJson : JsonSerializerContext;
