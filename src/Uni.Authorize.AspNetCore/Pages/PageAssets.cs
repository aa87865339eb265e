using System.Collections.Frozen;

namespace Uni.Authorize.AspNetCore;

/// <summary>The host's pages and their scripts and styles, embedded in this assembly (no build step, no files on disk).</summary>
internal static class PageAssets
{
    public const string ResourcePrefix = "UniAuthorize.Pages.";

    private static readonly FrozenDictionary<string, EmbeddedAsset> All = typeof(PageAssets).Assembly.GetManifestResourceNames()
        .Where(resource => resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(resource => EmbeddedAsset.Load(resource, resource[ResourcePrefix.Length..]))
        .ToFrozenDictionary(asset => asset.Name, StringComparer.Ordinal);

    /// <summary>The asset named <paramref name="name"/> (<c>demo.js</c>), or <see langword="null"/>.</summary>
    public static EmbeddedAsset? Find(string name) => All.GetValueOrDefault(name);

    /// <summary>The page named <paramref name="name"/>; a missing page is a packaging fault, not a request error.</summary>
    public static EmbeddedAsset Page(string name) =>
        Find(name) ?? throw new InvalidOperationException($"The embedded page '{name}' is missing from {typeof(PageAssets).Assembly.GetName().Name}.");
}
