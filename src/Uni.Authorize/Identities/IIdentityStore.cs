namespace Uni.Authorize;

/// <summary>Where a host keeps apps, users, mini-app sessions and its own keys. Implementations are safe for
/// concurrent use, compare ids ordinally, honour cancellation and throw when the backing store cannot answer.</summary>
public interface IIdentityStore
{
    /// <summary>The app with <paramref name="appId"/>, or <see langword="null"/>.</summary>
    ValueTask<HostApp?> GetAppAsync(string appId, CancellationToken cancellationToken = default);

    /// <summary>Every app, in ordinal id order.</summary>
    ValueTask<IReadOnlyList<HostApp>> ListAppsAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a new app; <see langword="false"/> when its id is taken.</summary>
    ValueTask<bool> TryAddAppAsync(HostApp app, CancellationToken cancellationToken = default);

    /// <summary>Replaces the stored app with <paramref name="app"/>'s id: its name, secret hash, privacy contract and
    /// disabled time change; <see langword="false"/> when there is no such app.</summary>
    ValueTask<bool> UpdateAppAsync(HostApp app, CancellationToken cancellationToken = default);

    /// <summary>Deletes every session of the app <paramref name="appId"/>; returns the deleted sessions (their token hashes
    /// let every instance drop them at once).</summary>
    ValueTask<IReadOnlyList<MiniAppSession>> RemoveAppSessionsAsync(string appId, CancellationToken cancellationToken = default);

    /// <summary>At most <paramref name="limit"/> users whose id is <paramref name="text"/> or whose name starts with it
    /// (ordinal, case-sensitive), the id match first, then by name in ordinal order.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    ValueTask<IReadOnlyList<HostUser>> FindUsersAsync(string text, int limit, CancellationToken cancellationToken = default);

    /// <summary>The user with <paramref name="userId"/>, or <see langword="null"/>.</summary>
    ValueTask<HostUser?> GetUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The user named <paramref name="candidate"/>'s name, storing <paramref name="candidate"/> when there is none.</summary>
    ValueTask<HostUser> GetOrAddUserAsync(HostUser candidate, CancellationToken cancellationToken = default);

    /// <summary>Stores a new session; throws when a session with its token hash is already stored.</summary>
    ValueTask AddSessionAsync(MiniAppSession session, CancellationToken cancellationToken = default);

    /// <summary>The session whose token hashes to <paramref name="tokenHash"/>, or <see langword="null"/>.</summary>
    ValueTask<MiniAppSession?> GetSessionAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Deletes a session; <see langword="false"/> when there was none. A store that keeps webhooks queues a
    /// <see cref="WebhookEventKind.SessionRevoked"/> event for the session's app (when it has an endpoint) in the same step.</summary>
    ValueTask<bool> RemoveSessionAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Every session of <paramref name="userId"/> in every app, oldest first.</summary>
    ValueTask<IReadOnlyList<MiniAppSession>> ListUserSessionsAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>The profile of <paramref name="userId"/>, or <see langword="null"/> when none was set.</summary>
    ValueTask<HostProfile?> GetProfileAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the profile of <paramref name="userId"/>; <see langword="false"/> when there is no such user.</summary>
    ValueTask<bool> SetProfileAsync(string userId, HostProfile profile, CancellationToken cancellationToken = default);

    /// <summary>The session key the last code exchange gave the app <paramref name="appId"/> for <paramref name="userId"/>,
    /// or <see langword="null"/> when there was none.</summary>
    ValueTask<string?> GetSessionKeyAsync(string appId, string userId, CancellationToken cancellationToken = default);

    /// <summary>Stores the session key a code exchange gave the app for the user, replacing the previous one; does nothing
    /// when there is no such user.</summary>
    ValueTask SetSessionKeyAsync(string appId, string userId, string sessionKey, CancellationToken cancellationToken = default);

    /// <summary>Replaces the app's session key for the user with <paramref name="replacement"/> only while it is still
    /// <paramref name="expected"/> (ordinal); <see langword="false"/> when it changed meanwhile or there is none. A host
    /// re-encrypts a key stored in an older form with it without losing a newer one.</summary>
    ValueTask<bool> ReplaceSessionKeyAsync(string appId, string userId, string expected, string replacement, CancellationToken cancellationToken = default);

    /// <summary>Stores the access token (by its hash) a code exchange gave <paramref name="grant"/>'s app for its user,
    /// replacing that app's previous token for the user; does nothing when there is no such user.</summary>
    ValueTask SetAccessTokenAsync(string tokenHash, AccessTokenGrant grant, CancellationToken cancellationToken = default);

    /// <summary>The grant behind the access token with <paramref name="tokenHash"/>, expired or not, or
    /// <see langword="null"/> when there is none.</summary>
    ValueTask<AccessTokenGrant?> FindAccessTokenAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Deletes the user <paramref name="userId"/>, their profile, session keys and access tokens and every session of theirs in
    /// one atomic step; returns the deleted sessions (their token hashes let every instance drop them at once).</summary>
    ValueTask<IReadOnlyList<MiniAppSession>> EraseUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes at most <paramref name="batchSize"/> sessions that expired at or before <paramref name="now"/>;
    /// returns how many went.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    ValueTask<int> PruneExpiredSessionsAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>The host key named <paramref name="name"/>, storing <paramref name="candidate"/> when there is none yet
    /// (so every instance sharing the store derives the same pseudonyms).</summary>
    ValueTask<byte[]> GetOrAddKeyAsync(string name, byte[] candidate, CancellationToken cancellationToken = default);

    /// <summary>Replaces the host key named <paramref name="name"/> with <paramref name="replacement"/> only while it is
    /// still <paramref name="expected"/> (byte for byte); <see langword="false"/> when it changed meanwhile or there is none.</summary>
    ValueTask<bool> ReplaceKeyAsync(string name, byte[] expected, byte[] replacement, CancellationToken cancellationToken = default);
}
