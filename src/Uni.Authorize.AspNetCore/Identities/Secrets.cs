using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Uni.Authorize.AspNetCore;

/// <summary>Random secrets and tokens, their stored hashes, and constant-time checks.</summary>
internal static class Secrets
{
    public const int MaxPresentedLength = 256;

    /// <summary>A fresh high-entropy secret with a readable prefix (<c>sk_</c>, <c>st_</c>).</summary>
    public static string Create(string prefix) => prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lower-case hex SHA-256: enough for 256-bit random secrets, which need no slow hash.</summary>
    public static string Hash(string secret)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        HashInto(secret, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Whether <paramref name="presented"/> hashes to <paramref name="storedHash"/>, in time independent of where they differ.</summary>
    public static bool Matches(string? presented, string storedHash)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        var storedOk = Convert.FromHexString(storedHash, stored, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == stored.Length;
        HashInto(presented is { Length: <= MaxPresentedLength } ? presented : string.Empty, digest);
        return CryptographicOperations.FixedTimeEquals(digest, stored) & storedOk & presented is { Length: > 0 and <= MaxPresentedLength };
    }

    private static void HashInto(string secret, Span<byte> digest)
    {
        var max = Encoding.UTF8.GetMaxByteCount(Math.Min(secret.Length, MaxPresentedLength * 4));
        var buffer = secret.Length <= MaxPresentedLength ? stackalloc byte[max] : new byte[Encoding.UTF8.GetByteCount(secret)];
        var length = Encoding.UTF8.GetBytes(secret, buffer);
        SHA256.HashData(buffer[..length], digest);
    }
}
