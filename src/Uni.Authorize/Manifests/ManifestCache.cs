using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>Each app's manifest as last read, so that a decided call checks its declarations without a store round
/// trip or an allocation. An entry is read again after the cache duration: another instance's change shows within it.</summary>
internal sealed class ManifestCache(IAppManifestStore store, TimeProvider time, TimeSpan duration)
{
    // Apps are few; the bound only stops calls naming made-up app ids from growing it without end.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public IAppManifestStore Store { get; } = store;

    /// <summary>The cached manifest of <paramref name="appId"/> (<see langword="null"/>: it has none) when it is fresh.</summary>
    public bool TryGet(string appId, out AppManifest? manifest)
    {
        if (_entries.TryGetValue(appId, out var entry) && time.GetElapsedTime(entry.ReadAt) < duration)
        {
            manifest = entry.Manifest;
            return true;
        }

        manifest = null;
        return false;
    }

    public async ValueTask<AppManifest?> GetAsync(string appId, CancellationToken cancellationToken)
    {
        if (TryGet(appId, out var manifest))
        {
            return manifest;
        }

        manifest = await Store.GetManifestAsync(appId, cancellationToken).ConfigureAwait(false);
        Set(appId, manifest);
        return manifest;
    }

    public void Set(string appId, AppManifest? manifest)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[appId] = new Entry(manifest, time.GetTimestamp());
    }

    private sealed record Entry(AppManifest? Manifest, long ReadAt);
}
