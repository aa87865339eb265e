using System.Buffers;
using System.Collections;
using System.Text.Json;

namespace Uni.Authorize;

// Shared as source with the ASP.NET Core package, whose responses write the same payloads: one JSON shape everywhere.

/// <summary>Writes a platform's native payload as the platform's JSON: strings, numbers, booleans, string lists and
/// nested maps, exactly the value types the engine puts in payloads.</summary>
internal static class NativeJson
{
    public static JsonElement ToElement(IReadOnlyDictionary<string, object?> payload)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, payload);
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    public static void Write(Utf8JsonWriter writer, object? value)
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
                    Write(writer, v);
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
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }
}
