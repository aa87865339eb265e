using System.Security.Cryptography;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// The host's own RSA key for Alipay's gateway (Alipay's 支付宝公钥 stands for it): the gateway signs every answer with
/// it (RSA2: SHA256withRSA), and its public half is what app servers configure as <c>alipayPublicKey</c>. Generated once,
/// kept like the other host keys (encrypted at rest, the same on every instance that shares the store).
/// </summary>
internal sealed class AlipayGatewayKey(ProtectedIdentityStore store) : IDisposable
{
    private const string KeyName = "alipay-gateway-rsa";
    private const int KeyBits = 2048;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _signing = new();
    private RSA? _key;

    /// <summary>The public half as Alipay's console shows a key: base64 of the DER SubjectPublicKeyInfo.</summary>
    public async ValueTask<string> PublicKeyAsync(CancellationToken cancellationToken) =>
        Convert.ToBase64String((await KeyAsync(cancellationToken).ConfigureAwait(false)).ExportSubjectPublicKeyInfo());

    /// <summary>The base64 RSA2 signature of <paramref name="content"/> (the exact UTF-8 text of a response node).</summary>
    public async ValueTask<string> SignAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(cancellationToken).ConfigureAwait(false);
        lock (_signing)
        {
            return Convert.ToBase64String(key.SignData(content.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
    }

    public void Dispose()
    {
        _key?.Dispose();
        _gate.Dispose();
    }

    private async ValueTask<RSA> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is { } key)
        {
            return key;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_key is null)
            {
                byte[] candidate;
                using (var fresh = RSA.Create(KeyBits))
                {
                    candidate = fresh.ExportPkcs8PrivateKey();
                }

                var stored = await store.GetOrAddKeyAsync(KeyName, candidate, cancellationToken).ConfigureAwait(false);
                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(stored, out _);
                _key = rsa;
            }

            return _key;
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The RSA public keys apps register for the gateway.</summary>
internal static class AlipayAppKeys
{
    /// <summary>The longest key text accepted (a 4096-bit key in PEM is about 800 characters).</summary>
    public const int MaxLength = 4096;

    /// <summary>The key as stored (base64 of its DER SubjectPublicKeyInfo) from what an operator pasted: PEM or the bare
    /// base64 that Alipay's key tool prints; <see langword="null"/> unless it is an RSA key of 2048 to 4096 bits.</summary>
    public static string? Normalize(string? text)
    {
        if (text is not { Length: > 0 and <= MaxLength })
        {
            return null;
        }

        var body = string.Concat(text.Split('\n').Select(line => line.Trim()).Where(line => !line.StartsWith("-----", StringComparison.Ordinal)));
        try
        {
            var der = Convert.FromBase64String(body);
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(der, out var read);
            return read == der.Length && rsa.KeySize is >= 2048 and <= 4096 ? Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()) : null;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="signature"/> (base64) is the app key's RSA2 signature of <paramref name="content"/>.</summary>
    public static bool Verify(string publicKey, byte[] content, string signature)
    {
        var bytes = new byte[signature.Length];
        if (!Convert.TryFromBase64String(signature, bytes, out var length))
        {
            return false;
        }

        try
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKey), out _);
            return rsa.VerifyData(content, bytes.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return false;
        }
    }
}
