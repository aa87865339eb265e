using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uni.Authorize.AspNetCore;

/// <summary>Writes a platform's native payload as the platform's JSON (the shape of <c>AuthorizeResult.NativeJson</c>).
/// Payloads are output only.</summary>
internal sealed class NativePayloadConverter : JsonConverter<IReadOnlyDictionary<string, object?>>
{
    public override IReadOnlyDictionary<string, object?> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Native payloads are written, never read.");

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> value, JsonSerializerOptions options) =>
        NativeJson.Write(writer, value);
}
