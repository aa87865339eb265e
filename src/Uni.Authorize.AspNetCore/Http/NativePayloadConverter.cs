using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Uni.Authorize.AspNetCore;

/// <summary>Writes a platform's native payload as the platform's JSON: strings, numbers, booleans, string lists and
/// nested maps, exactly the value types the engine puts in payloads. Payloads are output only.</summary>
internal sealed class NativePayloadConverter : JsonConverter<IReadOnlyDictionary<string, object?>>
{
    public override IReadOnlyDictionary<string, object?> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Native payloads are written, never read.");

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> value, JsonSerializerOptions options) =>
        WriteValue(writer, value);

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                writer.WriteStartObject();
                foreach (var (k, v) in map)
                {
                    writer.WritePropertyName(k);
                    WriteValue(writer, v);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable<KeyValuePair<string, bool>> flags:
                writer.WriteStartObject();
                foreach (var (k, v) in flags)
                {
                    writer.WriteBoolean(k, v);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable<KeyValuePair<string, int>> numbers:
                writer.WriteStartObject();
                foreach (var (k, v) in numbers)
                {
                    writer.WriteNumber(k, v);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }
}
