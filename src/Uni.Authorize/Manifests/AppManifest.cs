namespace Uni.Authorize;

/// <summary>What an app declared in its <c>app.json</c>: a purpose per scope (<c>permission</c>) and, on WeChat, the
/// private-information APIs it calls (<c>requiredPrivateInfos</c>).</summary>
/// <param name="AppId">The app.</param>
/// <param name="Version">Increases by one with every change; 0 is never stored.</param>
/// <param name="Purposes">The declared purposes, keyed by canonical scope name.</param>
/// <param name="RequiredPrivateInfos">The declared private-information APIs (WeChat's names), in declaration order.</param>
/// <param name="UpdatedAt">When this version was registered.</param>
public sealed record AppManifest(
    string AppId,
    long Version,
    IReadOnlyDictionary<string, DeclaredPurpose> Purposes,
    IReadOnlyList<string> RequiredPrivateInfos,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The purpose version a decision on <paramref name="scope"/> is given to: the manifest version in which
    /// its text last changed, or 0 when the scope is not declared.</summary>
    public long PurposeVersionOf(string scope) => Purposes.TryGetValue(scope, out var purpose) ? purpose.Version : 0;

    /// <summary>Whether <paramref name="api"/> is listed in <see cref="RequiredPrivateInfos"/>.</summary>
    public bool DeclaresPrivateInfo(string api)
    {
        // Indexed loop: this runs on the hot path and must not allocate an enumerator.
        for (var i = 0; i < RequiredPrivateInfos.Count; i++)
        {
            if (string.Equals(RequiredPrivateInfos[i], api, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The purpose an app declared for one scope, in its own words.</summary>
/// <param name="Description">The text the consent dialog shows (WeChat's <c>desc</c>).</param>
/// <param name="Version">The manifest version in which this text was first declared.</param>
public sealed record DeclaredPurpose(string Description, long Version);

/// <summary>Where apps' manifests live. Implementations are safe for concurrent use, compare app ids ordinally and throw
/// when the backing store cannot answer.</summary>
public interface IAppManifestStore
{
    /// <summary>The current manifest of <paramref name="appId"/>, or <see langword="null"/> when it registered none.</summary>
    ValueTask<AppManifest?> GetManifestAsync(string appId, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="manifest"/> when the stored version is <see cref="AppManifest.Version"/> − 1 (0: none
    /// stored yet); <see langword="false"/> otherwise, leaving the stored one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The manifest's version is less than 1.</exception>
    ValueTask<bool> TryPutManifestAsync(AppManifest manifest, CancellationToken cancellationToken = default);
}
