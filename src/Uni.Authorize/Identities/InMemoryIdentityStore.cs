using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>A process-local <see cref="IIdentityStore"/>: everything is gone when the process ends.</summary>
public sealed class InMemoryIdentityStore : IIdentityStore
{
    private readonly ConcurrentDictionary<string, HostApp> _apps = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HostUser> _usersById = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HostUser> _usersByName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MiniAppSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HostProfile> _profiles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string AppId, string UserId), string> _sessionKeys = new();
    private readonly ConcurrentDictionary<string, AccessTokenGrant> _accessTokens = new(StringComparer.Ordinal);
    private readonly Lock _accessTokenWrites = new();
    private readonly InMemoryWebhookStore? _webhooks;

    /// <summary>A store that reports to no webhooks.</summary>
    public InMemoryIdentityStore()
    {
    }

    /// <summary>A store that writes a <see cref="WebhookEventKind.SessionRevoked"/> event for every removed session into the
    /// outbox of <paramref name="webhooks"/>.</summary>
    public InMemoryIdentityStore(InMemoryWebhookStore webhooks)
    {
        ArgumentNullException.ThrowIfNull(webhooks);
        _webhooks = webhooks;
    }

    /// <inheritdoc />
    public ValueTask<HostApp?> GetAppAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_apps.GetValueOrDefault(appId));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HostApp>> ListAppsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new([.. _apps.Values.OrderBy(a => a.Id, StringComparer.Ordinal)]);
    }

    /// <inheritdoc />
    public ValueTask<bool> TryAddAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_apps.TryAdd(app.Id, app));
    }

    /// <inheritdoc />
    public ValueTask<bool> UpdateAppAsync(HostApp app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        cancellationToken.ThrowIfCancellationRequested();
        while (_apps.TryGetValue(app.Id, out var stored))
        {
            if (_apps.TryUpdate(app.Id, app with { Platform = stored.Platform, CreatedAt = stored.CreatedAt }, stored))
            {
                return new(true);
            }
        }

        return new(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MiniAppSession>> RemoveAppSessionsAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        cancellationToken.ThrowIfCancellationRequested();
        var removed = new List<MiniAppSession>();
        foreach (var pair in _sessions)
        {
            if (string.Equals(pair.Value.AppId, appId, StringComparison.Ordinal) && _sessions.TryRemove(pair))
            {
                removed.Add(pair.Value);
            }
        }

        return new(removed);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<HostUser>> FindUsersAsync(string text, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var byId = _usersById.GetValueOrDefault(text);
        return new([.. (byId is null ? [] : new[] { byId })
            .Concat(_usersByName.Values
                .Where(u => u.Name.StartsWith(text, StringComparison.Ordinal) && !ReferenceEquals(u, byId))
                .OrderBy(static u => u.Name, StringComparer.Ordinal))
            .Take(limit)]);
    }

    /// <inheritdoc />
    public ValueTask<HostUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_usersById.GetValueOrDefault(userId));
    }

    /// <inheritdoc />
    public ValueTask<HostUser> GetOrAddUserAsync(HostUser candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        cancellationToken.ThrowIfCancellationRequested();
        var user = _usersByName.GetOrAdd(candidate.Name, candidate);
        _usersById.TryAdd(user.Id, user);
        return new(user);
    }

    /// <inheritdoc />
    public ValueTask AddSessionAsync(MiniAppSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_sessions.TryAdd(session.TokenHash, session))
        {
            throw new InvalidOperationException("A session with this token hash is already stored.");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<MiniAppSession?> GetSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_sessions.GetValueOrDefault(tokenHash));
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_sessions.TryRemove(tokenHash, out var session))
        {
            return new(false);
        }

        _webhooks?.Enqueue(session.AppId, session.UserId, WebhookEventKind.SessionRevoked, scope: null);
        return new(true);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MiniAppSession>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return new([.. _sessions.Values
            .Where(s => string.Equals(s.UserId, userId, StringComparison.Ordinal))
            .OrderBy(static s => s.IssuedAt)
            .ThenBy(static s => s.TokenHash, StringComparer.Ordinal)]);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MiniAppSession>> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        if (_usersById.TryRemove(userId, out var user))
        {
            _usersByName.TryRemove(new KeyValuePair<string, HostUser>(user.Name, user));
        }

        _profiles.TryRemove(userId, out _);
        foreach (var key in _sessionKeys.Keys)
        {
            if (string.Equals(key.UserId, userId, StringComparison.Ordinal))
            {
                _sessionKeys.TryRemove(key, out _);
            }
        }

        foreach (var pair in _accessTokens)
        {
            if (string.Equals(pair.Value.UserId, userId, StringComparison.Ordinal))
            {
                _accessTokens.TryRemove(pair);
            }
        }

        var removed = new List<MiniAppSession>();
        foreach (var pair in _sessions)
        {
            if (string.Equals(pair.Value.UserId, userId, StringComparison.Ordinal) && _sessions.TryRemove(pair))
            {
                removed.Add(pair.Value);
            }
        }

        removed.Sort(static (a, b) => a.IssuedAt.CompareTo(b.IssuedAt));
        return new(removed);
    }

    /// <inheritdoc />
    public ValueTask<HostProfile?> GetProfileAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_profiles.GetValueOrDefault(userId));
    }

    /// <inheritdoc />
    public ValueTask<bool> SetProfileAsync(string userId, HostProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(profile);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_usersById.ContainsKey(userId))
        {
            return new(false);
        }

        _profiles[userId] = profile;
        return new(true);
    }

    /// <inheritdoc />
    public ValueTask<string?> GetSessionKeyAsync(string appId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_sessionKeys.GetValueOrDefault((appId, userId)));
    }

    /// <inheritdoc />
    public ValueTask SetSessionKeyAsync(string appId, string userId, string sessionKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(sessionKey);
        cancellationToken.ThrowIfCancellationRequested();
        if (_usersById.ContainsKey(userId))
        {
            _sessionKeys[(appId, userId)] = sessionKey;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> ReplaceSessionKeyAsync(string appId, string userId, string expected, string replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_sessionKeys.TryUpdate((appId, userId), replacement, expected));
    }

    /// <inheritdoc />
    public ValueTask SetAccessTokenAsync(string tokenHash, AccessTokenGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        ArgumentNullException.ThrowIfNull(grant);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_usersById.ContainsKey(grant.UserId))
        {
            return ValueTask.CompletedTask;
        }

        lock (_accessTokenWrites)
        {
            foreach (var pair in _accessTokens)
            {
                if (string.Equals(pair.Value.AppId, grant.AppId, StringComparison.Ordinal) && string.Equals(pair.Value.UserId, grant.UserId, StringComparison.Ordinal))
                {
                    _accessTokens.TryRemove(pair);
                }
            }

            _accessTokens[tokenHash] = grant;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<AccessTokenGrant?> FindAccessTokenAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenHash);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_accessTokens.GetValueOrDefault(tokenHash));
    }

    /// <inheritdoc />
    public ValueTask<int> PruneExpiredSessionsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var pruned = 0;
        foreach (var pair in _sessions)
        {
            if (pruned == batchSize)
            {
                break;
            }

            if (pair.Value.ExpiresAt <= now && _sessions.TryRemove(pair))
            {
                pruned++;
            }
        }

        return new(pruned);
    }

    /// <inheritdoc />
    public ValueTask<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidate);
        cancellationToken.ThrowIfCancellationRequested();
        return new(_keys.GetOrAdd(name, candidate));
    }

    /// <inheritdoc />
    public ValueTask<bool> ReplaceKeyAsync(string name, byte[] expected, byte[] replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(replacement);
        cancellationToken.ThrowIfCancellationRequested();
        // Compared by content: the stored array is replaced, never changed in place.
        return new(_keys.TryGetValue(name, out var stored) && stored.AsSpan().SequenceEqual(expected) && _keys.TryUpdate(name, replacement, stored));
    }
}
