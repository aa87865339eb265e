using System.Text.Json.Serialization;

namespace Uni.Authorize.Sqlite;

[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class ScopesJson : JsonSerializerContext;
