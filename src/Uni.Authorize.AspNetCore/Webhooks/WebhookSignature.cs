using System.Buffers.Text;
using System.Security.Cryptography;
using StandardWebhooks;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// How a delivery is signed: the Standard Webhooks scheme (<c>webhook-id</c>, <c>webhook-timestamp</c>,
/// <c>webhook-signature: v1,</c> and the base64 HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>), so that the id and the time
/// are signed with the body and an app's server verifies with any Standard Webhooks library.
/// </summary>
internal static class WebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>Not part of the standard, not signed: for the receiver's logs.</summary>
    public const string AttemptHeader = "Uni-Webhook-Attempt";

    private const string Prefix = "whsec_";
    private const int KeyBytes = 32;

    /// <summary>A new secret: <c>whsec_</c> and 32 random bytes in standard base64, as Standard Webhooks libraries take it.</summary>
    public static string NewSecret() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));

    /// <summary>
    /// The HMAC key of <paramref name="secret"/>. Secrets issued before the host followed Standard Webhooks are
    /// <c>whsec_</c> and the same 32 random bytes in unpadded base64url (43 characters, never valid standard base64):
    /// their key is those bytes, so such a secret keeps its key and only its spelling changes for a library
    /// (<c>-</c> → <c>+</c>, <c>_</c> → <c>/</c>, and one <c>=</c>). Anything else that is not base64 is keyed by its
    /// UTF-8 bytes, as a library's raw-key mode does.
    /// </summary>
    public static byte[] KeyOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var encoded = secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : secret;
        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        if (encoded.Length > 0 && Convert.TryFromBase64String(encoded, buffer, out var written))
        {
            return buffer[..written];
        }

        if (encoded.Length > 0 && Base64Url.IsValid(encoded))
        {
            return Base64Url.DecodeFromChars(encoded);
        }

        return System.Text.Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The <c>webhook-signature</c> value of one delivery: <c>v1,</c> and the base64 HMAC.</summary>
    public static string Sign(string secret, string id, DateTimeOffset timestamp, string body) =>
        new StandardWebhook(KeyOf(secret)).Sign(id, timestamp, body);
}
