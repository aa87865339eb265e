namespace Uni.Authorize.AspNetCore;

/// <summary>The identity store as the host uses it: session keys and host keys are encrypted on the way in and
/// decrypted on the way out (<see cref="AtRestProtection"/>); a value stored in plain text by an earlier version is
/// read as it is and re-encrypted in place, only while nobody changed it meanwhile.</summary>
internal sealed class ProtectedIdentityStore(IIdentityStore inner, AtRestProtection protection) : IIdentityStore
{
    public async ValueTask<string?> GetSessionKeyAsync(string appId, string userId, CancellationToken cancellationToken = default)
    {
        if (await inner.GetSessionKeyAsync(appId, userId, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return null;
        }

        if (AtRestProtection.IsProtected(stored))
        {
            return protection.UnprotectSessionKey(appId, userId, stored);
        }

        await inner.ReplaceSessionKeyAsync(appId, userId, stored, protection.ProtectSessionKey(appId, userId, stored), cancellationToken).ConfigureAwait(false);
        return stored;
    }

    public ValueTask SetSessionKeyAsync(string appId, string userId, string sessionKey, CancellationToken cancellationToken = default) =>
        inner.SetSessionKeyAsync(appId, userId, protection.ProtectSessionKey(appId, userId, sessionKey), cancellationToken);

    public async ValueTask<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default)
    {
        var stored = await inner.GetOrAddKeyAsync(name, protection.ProtectHostKey(name, candidate), cancellationToken).ConfigureAwait(false);
        if (AtRestProtection.IsProtected(stored))
        {
            return protection.UnprotectHostKey(name, stored);
        }

        // Every instance re-encrypts the same key: whichever write wins, the key stays what it was.
        await inner.ReplaceKeyAsync(name, stored, protection.ProtectHostKey(name, stored), cancellationToken).ConfigureAwait(false);
        return stored;
    }

    // Values passed through as stored: the compare-and-swap works on what the store holds.
    public ValueTask<bool> ReplaceSessionKeyAsync(string appId, string userId, string expected, string replacement, CancellationToken cancellationToken = default) =>
        inner.ReplaceSessionKeyAsync(appId, userId, expected, replacement, cancellationToken);

    public ValueTask<bool> ReplaceKeyAsync(string name, byte[] expected, byte[] replacement, CancellationToken cancellationToken = default) =>
        inner.ReplaceKeyAsync(name, expected, replacement, cancellationToken);

    public ValueTask<HostApp?> GetAppAsync(string appId, CancellationToken cancellationToken = default) => inner.GetAppAsync(appId, cancellationToken);

    public ValueTask<IReadOnlyList<HostApp>> ListAppsAsync(CancellationToken cancellationToken = default) => inner.ListAppsAsync(cancellationToken);

    public ValueTask<bool> TryAddAppAsync(HostApp app, CancellationToken cancellationToken = default) => inner.TryAddAppAsync(app, cancellationToken);

    public ValueTask<bool> UpdateAppAsync(HostApp app, CancellationToken cancellationToken = default) => inner.UpdateAppAsync(app, cancellationToken);

    public ValueTask<IReadOnlyList<MiniAppSession>> RemoveAppSessionsAsync(string appId, CancellationToken cancellationToken = default) =>
        inner.RemoveAppSessionsAsync(appId, cancellationToken);

    public ValueTask<IReadOnlyList<HostUser>> FindUsersAsync(string text, int limit, CancellationToken cancellationToken = default) =>
        inner.FindUsersAsync(text, limit, cancellationToken);

    public ValueTask<HostUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default) => inner.GetUserAsync(userId, cancellationToken);

    public ValueTask<HostUser> GetOrAddUserAsync(HostUser candidate, CancellationToken cancellationToken = default) =>
        inner.GetOrAddUserAsync(candidate, cancellationToken);

    public ValueTask AddSessionAsync(MiniAppSession session, CancellationToken cancellationToken = default) => inner.AddSessionAsync(session, cancellationToken);

    public ValueTask<MiniAppSession?> GetSessionAsync(string tokenHash, CancellationToken cancellationToken = default) =>
        inner.GetSessionAsync(tokenHash, cancellationToken);

    public ValueTask<bool> RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken = default) =>
        inner.RemoveSessionAsync(tokenHash, cancellationToken);

    public ValueTask<IReadOnlyList<MiniAppSession>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken = default) =>
        inner.ListUserSessionsAsync(userId, cancellationToken);

    public ValueTask<HostProfile?> GetProfileAsync(string userId, CancellationToken cancellationToken = default) => inner.GetProfileAsync(userId, cancellationToken);

    public ValueTask<bool> SetProfileAsync(string userId, HostProfile profile, CancellationToken cancellationToken = default) =>
        inner.SetProfileAsync(userId, profile, cancellationToken);

    public ValueTask SetAccessTokenAsync(string tokenHash, AccessTokenGrant grant, CancellationToken cancellationToken = default) =>
        inner.SetAccessTokenAsync(tokenHash, grant, cancellationToken);

    public ValueTask<AccessTokenGrant?> FindAccessTokenAsync(string tokenHash, CancellationToken cancellationToken = default) =>
        inner.FindAccessTokenAsync(tokenHash, cancellationToken);

    public ValueTask<IReadOnlyList<MiniAppSession>> EraseUserAsync(string userId, CancellationToken cancellationToken = default) =>
        inner.EraseUserAsync(userId, cancellationToken);

    public ValueTask<int> PruneExpiredSessionsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default) =>
        inner.PruneExpiredSessionsAsync(now, batchSize, cancellationToken);
}
