using System.Collections.Frozen;

namespace Uni.Authorize;

/// <summary>A permission scope of the seed's table.</summary>
public sealed class ScopeDefinition
{
    internal ScopeDefinition(string name, string descriptionZh, string descriptionEn, string[] apis, PlatformScope[] platforms)
    {
        Name = name;
        DescriptionZh = descriptionZh;
        DescriptionEn = descriptionEn;
        Apis = apis;
        Platforms = platforms.ToFrozenDictionary(p => p.Platform);
    }

    /// <summary>The canonical name (<c>scope.userLocation</c>, <c>auth_base</c>).</summary>
    public string Name { get; }

    /// <summary>What the scope means, in Chinese, as the seed's table says it.</summary>
    public string DescriptionZh { get; }

    /// <summary>What the scope means, in English.</summary>
    public string DescriptionEn { get; }

    /// <summary>The APIs a grant opens.</summary>
    public IReadOnlyList<string> Apis { get; }

    /// <summary>The platforms that support the scope, with their rules.</summary>
    public IReadOnlyDictionary<Platform, PlatformScope> Platforms { get; }

    /// <summary>Whether <paramref name="platform"/> supports the scope.</summary>
    public bool IsSupportedOn(Platform platform) => Platforms.ContainsKey(platform);

    /// <inheritdoc />
    public override string ToString() => Name;
}
