using System.Security.Cryptography;
using System.Text;

namespace Uni.Authorize.AspNetCore;

/// <summary>How a delivery is signed: HMAC-SHA256 with the app's secret over <c>{timestamp}.{body}</c>, so that a
/// receiver can refuse a replay of an old body with a new timestamp.</summary>
internal static class WebhookSignature
{
    public const string IdHeader = "Uni-Webhook-Id";
    public const string TimestampHeader = "Uni-Webhook-Timestamp";
    public const string SignatureHeader = "Uni-Webhook-Signature";
    public const string AttemptHeader = "Uni-Webhook-Attempt";

    /// <summary><c>v1=</c> and the lower-case hex HMAC.</summary>
    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }
}
