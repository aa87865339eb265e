using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>Keeps manifests in memory, for tests and single-process hosts.</summary>
public sealed class InMemoryAppManifestStore : IAppManifestStore
{
    private readonly ConcurrentDictionary<string, AppManifest> _manifests = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<AppManifest?> GetManifestAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_manifests.TryGetValue(appId, out var manifest) ? manifest : null);
    }

    /// <inheritdoc />
    public ValueTask<bool> TryPutManifestAsync(AppManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentOutOfRangeException.ThrowIfLessThan(manifest.Version, 1);
        cancellationToken.ThrowIfCancellationRequested();
        if (manifest.Version == 1)
        {
            return new(_manifests.TryAdd(manifest.AppId, manifest));
        }

        return new(_manifests.TryGetValue(manifest.AppId, out var current)
            && current.Version == manifest.Version - 1
            && _manifests.TryUpdate(manifest.AppId, manifest, current));
    }
}
