using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Uni.Authorize.AspNetCore;

/// <summary>A file embedded in this assembly (a page, its script, the bridge), served with an ETag so that browsers
/// revalidate on every load: a new host version's files are picked up at once.</summary>
internal sealed record EmbeddedAsset(string Name, byte[] Content, string ContentType, string ETag)
{
    /// <summary>Reads the resource <paramref name="resourceName"/>; a missing one is a packaging fault.</summary>
    public static EmbeddedAsset Load(string resourceName, string name)
    {
        using var stream = typeof(EmbeddedAsset).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded resource {resourceName} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Of(name, copy.ToArray());
    }

    /// <summary>An asset of <paramref name="content"/> made at startup (the bridge with its catalog).</summary>
    public static EmbeddedAsset Of(string name, byte[] content) =>
        new(name, content, ContentTypeOf(name), "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16)) + "\"");

    /// <summary>The content, or 304 when the request already holds this version.</summary>
    public IResult Serve(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ETag = ETag;
        headers.CacheControl = "no-cache";
        return context.Request.Headers.IfNoneMatch == ETag
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(Content, ContentType);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };
}
