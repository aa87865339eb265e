using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// What the code exchange hands an app's server under its secret (session keys, Alipay access tokens) is bound to that
/// secret: it is stored with, or looked up by, an HMAC keyed with the hash of the secret it was issued under, so
/// rotating the secret ends all of it on every instance without touching the stores.
/// </summary>
internal static class SecretBound
{
    // Separates the stored session key from the fingerprint; base64 never contains it.
    private const char Separator = '.';

    /// <summary>A new session key for the app and user, kept (replacing the previous one) with the fingerprint of the
    /// app's current secret, so that the user data the host signs and encrypts checks out with the key its server got.</summary>
    public static async ValueTask<string> NewSessionKeyAsync(IIdentityStore store, HostApp app, string userId, CancellationToken cancellationToken)
    {
        var sessionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SessionKeyBytes(app.Platform)));
        await store.SetSessionKeyAsync(app.Id, userId, sessionKey + Separator + Fingerprint(app.SecretHash), cancellationToken).ConfigureAwait(false);
        return sessionKey;
    }

    /// <summary>The user's current session key, made when there is none (WeChat keeps one from the session's start, so its
    /// user info is sealed before the first <c>wx.login</c>); the next code exchange replaces it.</summary>
    public static async ValueTask<string> CurrentSessionKeyAsync(IIdentityStore store, HostApp app, string userId, CancellationToken cancellationToken) =>
        await SessionKeyAsync(store, app.Id, userId, cancellationToken).ConfigureAwait(false)
            ?? await NewSessionKeyAsync(store, app, userId, cancellationToken).ConfigureAwait(false);

    /// <summary>The length of a session key: Baidu's open data is AES-192 with the base64-decoded key, so 24 bytes; the
    /// others' is AES-128, so 16.</summary>
    public static int SessionKeyBytes(Platform platform) => platform == Platform.Baidu ? 24 : 16;

    /// <summary>The session key the app's server holds for the user, or <see langword="null"/> when it has none, or got it
    /// under a secret that has been rotated since (the app is read from the store, not from a cached session).</summary>
    public static async ValueTask<string?> SessionKeyAsync(IIdentityStore store, string appId, string userId, CancellationToken cancellationToken)
    {
        var stored = await store.GetSessionKeyAsync(appId, userId, cancellationToken).ConfigureAwait(false);
        var at = stored?.LastIndexOf(Separator) ?? -1;
        if (at <= 0 || await store.GetAppAsync(appId, cancellationToken).ConfigureAwait(false) is not { DisabledAt: null } app)
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Fingerprint(app.SecretHash));
        var presented = Encoding.ASCII.GetBytes(stored![(at + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, presented) ? stored[..at] : null;
    }

    /// <summary>The key an access token is stored under: an HMAC of the token keyed with the app's secret hash (and its
    /// registered Alipay gateway key, when it has one), so the token is found only while the secret and key it was issued
    /// under are the app's.</summary>
    public static string AccessTokenKey(HostApp app, string token) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.ASCII.GetBytes(app.AlipayPublicKey is { } key ? app.SecretHash + Separator + key : app.SecretHash), Encoding.UTF8.GetBytes(token)));

    /// <summary>The length of <see cref="AccessTokenBinding"/>.</summary>
    public const int AccessTokenBindingLength = 16;

    /// <summary>What a sealed app access token (WeChat's <c>cgi-bin/token</c>) carries to name the secret it was issued
    /// under: the token works only while that secret is the app's.</summary>
    public static byte[] AccessTokenBinding(HostApp app) =>
        HMACSHA256.HashData(Encoding.ASCII.GetBytes(app.SecretHash), "Uni.Authorize app access token"u8).AsSpan(0, AccessTokenBindingLength).ToArray();

    // Keyed with the secret's hash over a fixed label: it tells secrets apart and reveals nothing about them.
    private static string Fingerprint(string secretHash) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.ASCII.GetBytes(secretHash), "Uni.Authorize session key"u8).AsSpan(0, 16));
}
