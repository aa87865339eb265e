using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Uni.Authorize.AspNetCore;

/// <summary>One embedded page file with its content type and validator.</summary>
internal sealed record PageAsset(string Name, byte[] Content, string ContentType, string ETag);

/// <summary>The host's pages and their scripts and styles, embedded in this assembly (no build step, no files on disk).</summary>
internal static class PageAssets
{
    public const string ResourcePrefix = "UniAuthorize.Pages.";

    private static readonly FrozenDictionary<string, PageAsset> All = Load();

    /// <summary>The asset named <paramref name="name"/> (<c>demo.js</c>), or <see langword="null"/>.</summary>
    public static PageAsset? Find(string name) => All.GetValueOrDefault(name);

    /// <summary>The page named <paramref name="name"/>; a missing page is a packaging fault, not a request error.</summary>
    public static PageAsset Page(string name) =>
        Find(name) ?? throw new InvalidOperationException($"The embedded page '{name}' is missing from {typeof(PageAssets).Assembly.GetName().Name}.");

    private static FrozenDictionary<string, PageAsset> Load()
    {
        var assembly = typeof(PageAssets).Assembly;
        var assets = new Dictionary<string, PageAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource[ResourcePrefix.Length..];
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
            assets[name] = new PageAsset(name, content, ContentTypeOf(name), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
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
