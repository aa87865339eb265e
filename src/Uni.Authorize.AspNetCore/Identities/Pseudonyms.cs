using System.Security.Cryptography;
using System.Text;

namespace Uni.Authorize.AspNetCore;

/// <summary>The ids an app's server sees instead of the host's user id: keyed HMACs, so an openid differs per app and
/// cannot be linked across apps without the host's key, while a unionid is shared by every app of the host.</summary>
internal sealed class Pseudonyms(ProtectedIdentityStore store)
{
    private const string KeyName = "pseudonym-hmac";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _key;

    /// <summary>The id <paramref name="app"/>'s own code exchange returns for the user, so the app can find them in its
    /// data: its platform's openid (WeChat <c>openid</c>, Alipay <c>open_id</c>, ...).</summary>
    public ValueTask<string> OfAppAsync(HostApp app, string userId, CancellationToken cancellationToken) => app.Platform switch
    {
        Platform.Alipay => AlipayOpenIdAsync(app.Id, userId, cancellationToken),
        Platform.ByteDance => ByteDanceOpenIdAsync(app.Id, userId, cancellationToken),
        Platform.Baidu => BaiduOpenIdAsync(app.Id, userId, cancellationToken),
        Platform.Kuaishou => KuaishouOpenIdAsync(app.Id, userId, cancellationToken),
        _ => OpenIdAsync(app.Id, userId, cancellationToken),
    };

    /// <summary>WeChat's <c>openid</c>: 28 characters, per app.</summary>
    public async ValueTask<string> OpenIdAsync(string appId, string userId, CancellationToken cancellationToken) =>
        "o" + Base64UrlOf(await MacAsync("openid", appId, userId, cancellationToken).ConfigureAwait(false))[..27];

    /// <summary>WeChat's <c>unionid</c>: 28 characters, the same in every app of this host.</summary>
    public async ValueTask<string> UnionIdAsync(string userId, CancellationToken cancellationToken) =>
        "u" + Base64UrlOf(await MacAsync("unionid", string.Empty, userId, cancellationToken).ConfigureAwait(false))[..27];

    /// <summary>Alipay's <c>user_id</c>: 16 digits starting 2088, per app.</summary>
    public async ValueTask<string> AlipayUserIdAsync(string appId, string userId, CancellationToken cancellationToken)
    {
        var mac = await MacAsync("alipay-user", appId, userId, cancellationToken).ConfigureAwait(false);
        var number = BitConverter.ToUInt64(mac, 0) % 1_000_000_000_000UL;
        return "2088" + number.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Alipay's <c>open_id</c>: per app.</summary>
    public async ValueTask<string> AlipayOpenIdAsync(string appId, string userId, CancellationToken cancellationToken) =>
        "0" + Base64UrlOf(await MacAsync("alipay-open", appId, userId, cancellationToken).ConfigureAwait(false))[..31];

    /// <summary>ByteDance's <c>openid</c>: 28 characters starting <c>_000</c>, per app.</summary>
    public async ValueTask<string> ByteDanceOpenIdAsync(string appId, string userId, CancellationToken cancellationToken) =>
        "_000" + Base64UrlOf(await MacAsync("bytedance-openid", appId, userId, cancellationToken).ConfigureAwait(false))[..24];

    /// <summary>ByteDance's <c>anonymous_openid</c> (from an <c>anonymous_code</c>): per app, unlike the user's <c>openid</c>.</summary>
    public async ValueTask<string> ByteDanceAnonymousOpenIdAsync(string appId, string userId, CancellationToken cancellationToken) =>
        "_000" + Base64UrlOf(await MacAsync("bytedance-anonymous", appId, userId, cancellationToken).ConfigureAwait(false))[..24];

    /// <summary>Baidu's <c>openid</c>: 26 characters, per app.</summary>
    public async ValueTask<string> BaiduOpenIdAsync(string appId, string userId, CancellationToken cancellationToken) =>
        Base64UrlOf(await MacAsync("baidu-openid", appId, userId, cancellationToken).ConfigureAwait(false))[..26];

    /// <summary>Kuaishou's <c>open_id</c>: 32 lower-case hex digits, per app.</summary>
    public async ValueTask<string> KuaishouOpenIdAsync(string appId, string userId, CancellationToken cancellationToken) =>
        Convert.ToHexStringLower(await MacAsync("kuaishou-openid", appId, userId, cancellationToken).ConfigureAwait(false), 0, 16);

    private async ValueTask<byte[]> MacAsync(string purpose, string appId, string userId, CancellationToken cancellationToken)
    {
        var key = _key ?? await LoadKeyAsync(cancellationToken).ConfigureAwait(false);
        // Length-prefixed parts: "a|bc" and "ab|c" must not collide.
        var message = Encoding.UTF8.GetBytes($"{purpose.Length}:{purpose}{appId.Length}:{appId}{userId.Length}:{userId}");
        return HMACSHA256.HashData(key, message);
    }

    private async ValueTask<byte[]> LoadKeyAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _key ??= await store.GetOrAddKeyAsync(KeyName, RandomNumberGenerator.GetBytes(32), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string Base64UrlOf(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
