using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Uni.Authorize.AspNetCore;

/// <summary>WeChat's open-data scheme, which ByteDance copies: <c>signature</c> = hex SHA-1 of <c>rawData</c> followed by
/// the session key; <c>encryptedData</c> = AES-128-CBC with PKCS#7 padding, the base64-decoded session key as key and a
/// random <c>iv</c>, over JSON that ends with a <c>watermark</c> naming the app and the time. Baidu's variant frames the
/// JSON instead (<see cref="EncryptBaidu"/>).</summary>
internal static class SessionKeyCrypto
{
    // Baidu's sample strips a pad of 1 to 32 bytes: the block of WeChat's message encryption, whose framing Baidu shares.
    private const int BaiduBlock = 32;

    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly NativePayloadConverter Converter = new();

    /// <summary>The JSON text of <paramref name="value"/>, its members in insertion order, CJK text unescaped as the
    /// platforms write it.</summary>
    public static string ToJson(IReadOnlyDictionary<string, object?> value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Writer))
        {
            Converter.Write(writer, value, JsonSerializerOptions.Default);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

#pragma warning disable CA5350 // The platforms define the signature as SHA-1; the app's server checks exactly that.
    public static string Sign(string rawData, string sessionKey) =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(rawData + sessionKey)));
#pragma warning restore CA5350

    /// <summary>Encrypts <paramref name="data"/> with a watermark added; returns the base64 <c>encryptedData</c> and <c>iv</c>.</summary>
    public static (string EncryptedData, string Iv) Encrypt(Dictionary<string, object?> data, string appId, DateTimeOffset now, string sessionKey)
    {
        data["watermark"] = new Dictionary<string, object?> { ["timestamp"] = now.ToUnixTimeSeconds(), ["appid"] = appId };
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        var iv = RandomNumberGenerator.GetBytes(16);
        var encrypted = aes.EncryptCbc(Encoding.UTF8.GetBytes(ToJson(data)), iv, PaddingMode.PKCS7);
        return (Convert.ToBase64String(encrypted), Convert.ToBase64String(iv));
    }

    /// <summary>Baidu's open data (<c>swan.getUserInfo</c>'s <c>data</c>), as Baidu's decryption sample reads it: AES-CBC
    /// with the base64-decoded session key as key (24 bytes: AES-192) and a random 16-byte <c>iv</c>, over 16 random
    /// bytes, the JSON's length (4 bytes, big-endian), the JSON and the app key, padded PKCS#7-style to a multiple of 32
    /// bytes (1 to 32 bytes of the pad length, the rule the sample strips). Returns the base64 <c>data</c> and <c>iv</c>.</summary>
    public static (string Data, string Iv) EncryptBaidu(IReadOnlyDictionary<string, object?> data, string appKey, string sessionKey)
    {
        var json = Encoding.UTF8.GetBytes(ToJson(data));
        var key = Encoding.UTF8.GetBytes(appKey);
        var length = 16 + 4 + json.Length + key.Length;
        var pad = BaiduBlock - (length % BaiduBlock);
        var plain = new byte[length + pad];
        RandomNumberGenerator.Fill(plain.AsSpan(0, 16));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(16, 4), json.Length);
        json.CopyTo(plain, 20);
        key.CopyTo(plain, 20 + json.Length);
        plain.AsSpan(length).Fill((byte)pad);
        using var aes = Aes.Create();
        aes.Key = Convert.FromBase64String(sessionKey);
        var iv = RandomNumberGenerator.GetBytes(16);
        return (Convert.ToBase64String(aes.EncryptCbc(plain, iv, PaddingMode.None)), Convert.ToBase64String(iv));
    }
}
