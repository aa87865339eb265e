using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>Each app's manifest as last read, so that a decided call checks its declarations without a store round
/// trip or an allocation. An entry is read again after the cache duration: another instance's change shows within it.</summary>
internal sealed class ManifestCache
{
    // Apps are few; the bound only stops calls naming made-up app ids from growing it without end.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;

    // With the system clock, freshness is read from the coarse tick count: a few nanoseconds where a timestamp costs a
    // clock call on every decided call. A few milliseconds of resolution do not matter against a duration of seconds.
    private readonly bool _coarse;
    private readonly long _durationMs;

    public ManifestCache(IAppManifestStore store, TimeProvider time, TimeSpan duration)
    {
        Store = store;
        _time = time;
        _duration = duration;
        _coarse = ReferenceEquals(time, TimeProvider.System);
        _durationMs = (long)Math.Ceiling(duration.TotalMilliseconds);
    }

    public IAppManifestStore Store { get; }

    /// <summary>The cached manifest of <paramref name="appId"/> (<see langword="null"/>: it has none) when it is fresh.</summary>
    public bool TryGet(string appId, out AppManifest? manifest)
    {
        if (_entries.TryGetValue(appId, out var entry) && IsFresh(entry))
        {
            manifest = entry.Manifest;
            return true;
        }

        manifest = null;
        return false;
    }

    /// <summary>Like <see cref="TryGet(string, out AppManifest?)"/>, with the manifest's answer for <paramref name="scope"/>
    /// worked out once per manifest read: the purpose version a grant must have been given to, or -1 when the scope
    /// shows a dialog and the manifest declares no purpose for it (0 without a manifest).</summary>
    public bool TryGet(string appId, ResolvedScope scope, out AppManifest? manifest, out long purposeVersion)
    {
        if (_entries.TryGetValue(appId, out var entry) && IsFresh(entry))
        {
            manifest = entry.Manifest;
            purposeVersion = entry.PurposeVersionOf(scope);
            return true;
        }

        manifest = null;
        purposeVersion = 0;
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

        _entries[appId] = new Entry(manifest, _coarse ? Environment.TickCount64 : _time.GetTimestamp());
    }

    private bool IsFresh(Entry entry) =>
        _coarse ? Environment.TickCount64 - entry.ReadAt < _durationMs : _time.GetElapsedTime(entry.ReadAt) < _duration;

    private sealed class Entry(AppManifest? manifest, long readAt)
    {
        // Per resolved scope (one per scope and platform, so bounded by the catalog); dropped with the entry when the
        // manifest is read again.
        private readonly ConcurrentDictionary<ResolvedScope, long> _purposeVersions = new();

        public AppManifest? Manifest { get; } = manifest;

        public long ReadAt { get; } = readAt;

        public long PurposeVersionOf(ResolvedScope scope)
        {
            if (Manifest is null)
            {
                return 0;
            }

            if (!_purposeVersions.TryGetValue(scope, out var version))
            {
                version = Authorizer.MissesPurpose(Manifest, scope) ? -1 : Manifest.PurposeVersionOf(scope.Scope.Name);
                _purposeVersions.TryAdd(scope, version);
            }

            return version;
        }
    }
}
