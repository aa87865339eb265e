using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// Encrypts the secrets a host must be able to read back (session keys, webhook secrets, the pseudonym key) with ASP.NET
/// Core data protection before they reach any store, so a copied database file or table holds none of them in plain
/// text. Each value is bound to its row by the purpose (app, user, key name): moved to another row it does not decrypt.
/// Values stored before this (plain text) are recognised by the missing prefix and still read.
/// </summary>
internal sealed class AtRestProtection(IDataProtectionProvider provider)
{
    // Neither a session key (standard base64), a webhook secret (whsec_ and base64) nor a 32-byte host key starts so.
    private const string TextPrefix = "dp1.";
    private static readonly byte[] BytePrefix = "dp1."u8.ToArray();

    // A host key of an earlier version: 32 random bytes, never a protected payload (which is far longer).
    private const int LegacyKeyLength = 32;

    private readonly IDataProtector _sessionKeys = provider.CreateProtector("Uni.Authorize.AtRest.SessionKey.v1");
    private readonly IDataProtector _webhookSecrets = provider.CreateProtector("Uni.Authorize.AtRest.WebhookSecret.v1");
    private readonly IDataProtector _hostKeys = provider.CreateProtector("Uni.Authorize.AtRest.HostKey.v1");

    public static bool IsProtected(string stored) => stored.StartsWith(TextPrefix, StringComparison.Ordinal);

    public static bool IsProtected(byte[] stored) => stored.Length > LegacyKeyLength && stored.AsSpan().StartsWith(BytePrefix);

    public string ProtectSessionKey(string appId, string userId, string sessionKey) =>
        ProtectText(_sessionKeys.CreateProtector(appId, userId), sessionKey);

    /// <summary>The session key, or <see langword="null"/> when it was protected with data-protection keys this host no
    /// longer has (the app's next login stores a new one).</summary>
    public string? UnprotectSessionKey(string appId, string userId, string stored)
    {
        try
        {
            return UnprotectText(_sessionKeys.CreateProtector(appId, userId), stored);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public string ProtectWebhookSecret(string appId, string secret) => ProtectText(_webhookSecrets.CreateProtector(appId), secret);

    /// <exception cref="InvalidOperationException">The data-protection keys that protected it are gone.</exception>
    public string UnprotectWebhookSecret(string appId, string stored)
    {
        try
        {
            return UnprotectText(_webhookSecrets.CreateProtector(appId), stored);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The webhook secret of app {appId} cannot be decrypted: the data-protection keys that protected it are missing. Rotate the secret.", ex);
        }
    }

    public byte[] ProtectHostKey(string name, byte[] key) => [.. BytePrefix, .. _hostKeys.CreateProtector(name).Protect(key)];

    /// <exception cref="InvalidOperationException">The data-protection keys that protected it are gone.</exception>
    public byte[] UnprotectHostKey(string name, byte[] stored)
    {
        if (!IsProtected(stored))
        {
            return stored;
        }

        try
        {
            return _hostKeys.CreateProtector(name).Unprotect(stored.AsSpan(BytePrefix.Length).ToArray());
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"The host key \"{name}\" cannot be decrypted: the data-protection keys that protected it are missing. Restore them (or their certificate) from a backup.", ex);
        }
    }

    private static string ProtectText(IDataProtector protector, string value) =>
        TextPrefix + Base64Url.EncodeToString(protector.Protect(Encoding.UTF8.GetBytes(value)));

    private static string UnprotectText(IDataProtector protector, string stored) =>
        IsProtected(stored)
            ? Encoding.UTF8.GetString(protector.Unprotect(Base64Url.DecodeFromChars(stored.AsSpan(TextPrefix.Length))))
            : stored;
}
