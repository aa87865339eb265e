using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>Reads a JSON request body strictly: JSON content type, bounded size, no unknown fields; any defect is a 4xx problem.</summary>
internal static class JsonBody
{
    public static async ValueTask<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "Send the body as application/json (UTF-8)."));
        }

        var (bytes, length, problem) = await ReadBoundedAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        try
        {
            var value = JsonSerializer.Deserialize(bytes.AsSpan(0, length), typeInfo);
            return value is null ? (null, Problems.BadRequest("invalid_json", "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.BadRequest("invalid_json", "The body is not valid for this endpoint: " + Describe(ex)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Reads a JSON body of any shape (the caller checks it), with the same content type and size rules.</summary>
    public static async ValueTask<(JsonElement Value, IResult? Problem)> ReadElementAsync(HttpContext context)
    {
        if (!IsJson(context.Request.ContentType))
        {
            return (default, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                "Send the body as application/json (UTF-8)."));
        }

        var (bytes, length, problem) = await ReadBoundedAsync(context).ConfigureAwait(false);
        try
        {
            if (problem is not null)
            {
                return (default, problem);
            }

            using var document = JsonDocument.Parse(bytes.AsMemory(0, length));
            return Decodes(document.RootElement)
                ? (document.RootElement.Clone(), null)
                : (default, Problems.BadRequest("invalid_json", "The body is not valid JSON: a name or string is not valid UTF-8."));
        }
        catch (JsonException)
        {
            return (default, Problems.BadRequest("invalid_json", "The body is not valid JSON."));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Whether every property name and string in <paramref name="element"/> decodes to text. <see cref="JsonDocument"/>
    /// checks neither invalid UTF-8 nor escaped lone surrogates (<c>"\ud800"</c>) until a value is read, and then throws
    /// <see cref="InvalidOperationException"/>: callers check the whole document once, up front.</summary>
    public static bool Decodes(JsonElement element)
    {
        try
        {
            return Walk(element);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static bool Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        if (!Walk(property.Value))
                        {
                            return false;
                        }
                    }

                    return true;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        if (!Walk(item))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return true;
            }
        }
    }

    /// <summary>Reads the body into a pooled buffer of at most the configured size. The caller returns the buffer.</summary>
    public static async ValueTask<(byte[] Bytes, int Length, IResult? Problem)> ReadBoundedAsync(HttpContext context)
    {
        var max = context.RequestServices.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > max)
        {
            return (ArrayPool<byte>.Shared.Rent(1), 0, TooLarge(max));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(max + 1, (int?)context.Request.ContentLength + 1 ?? 4096));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > max)
                    {
                        return (buffer, 0, TooLarge(max));
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(max + 1, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > max)
                {
                    return (buffer, 0, TooLarge(max));
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (buffer, 0, Problems.Create(ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : 400, "bad_body", "The request body could not be read."));
        }

        return (buffer, length, null);
    }

    private static IResult TooLarge(int max) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"The body may be at most {max} bytes.");

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        var type = (semicolon < 0 ? media : media[..semicolon]).Trim();
        if (!type.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return semicolon < 0 || !contentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("utf-8", StringComparison.OrdinalIgnoreCase);
    }

    private static string Describe(JsonException ex) =>
        ex.Path is { Length: > 1 } path ? $"problem at {path}." : "malformed JSON or a field of the wrong type.";
}
