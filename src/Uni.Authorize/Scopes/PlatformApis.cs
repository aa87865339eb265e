using System.Collections.Frozen;

namespace Uni.Authorize;

/// <summary>
/// The APIs behind the scopes under each platform's own names (<c>wx.saveImageToPhotosAlbum</c>, <c>my.saveImage</c>),
/// as each platform documents them today. Where a platform no longer asks (WeChat's pickers, its user info), the API
/// needs no scope here even though the seed's table lists one. The seed's names (<c>saveImage</c>) stay accepted for
/// the scopes a platform has. docs/platforms.md lists every difference with its source.
/// </summary>
internal static class PlatformApis
{
    private const string? NoScope = null;
    private const string Location = "scope.userLocation";
    private const string Camera = "scope.camera";
    private const string Album = "scope.writePhotosAlbum";
    private const string Record = "scope.record";
    private const string UserInfo = "scope.userInfo";

    // Members of the objects real pages create at load (getRecorderManager, createCameraContext) are named
    // Object.member, as the platforms' references name them.
    private static readonly FrozenDictionary<string, string?>[] ByPlatform = Build(new()
    {
        [Platform.WeChat] =
        [
            ("getLocation", Location), ("startLocationUpdate", Location), ("getFuzzyLocation", "scope.userFuzzyLocation"),
            ("startLocationUpdateBackground", "scope.userLocationBackground"), ("chooseLocation", NoScope), ("choosePoi", NoScope),
            ("getUserInfo", NoScope), ("getUserProfile", NoScope), ("getWeRunData", "scope.werun"), ("startRecord", Record),
            ("RecorderManager.start", Record), ("CameraContext.takePhoto", Camera), ("CameraContext.startRecord", Camera),
            ("saveImageToPhotosAlbum", Album), ("saveVideoToPhotosAlbum", Album),
            ("scanCode", NoScope), ("chooseImage", NoScope), ("chooseVideo", NoScope), ("chooseMedia", NoScope),
            ("openBluetoothAdapter", "scope.bluetooth"), ("createBLEPeripheralServer", "scope.bluetooth"),
            ("addPhoneContact", "scope.addPhoneContact"), ("addPhoneCalendar", "scope.addPhoneCalendar"),
            ("addPhoneRepeatCalendar", "scope.addPhoneCalendar"),
            ("chooseAddress", NoScope), ("chooseInvoice", NoScope), ("chooseInvoiceTitle", NoScope),
            ("getPhoneNumber", "phoneNumber"),
        ],
        [Platform.Alipay] =
        [
            // getOpenUserInfo asks nothing: without the user's authorization it answers Alipay's 40003 response.
            // my.saveImage is retired (my.saveImageToPhotosAlbum replaces it) and stays for pages that still call it.
            ("getOpenUserInfo", NoScope), ("getLocation", Location), ("chooseImage", "scope.photosAlbum"), ("chooseVideo", "scope.photosAlbum"),
            ("saveImageToPhotosAlbum", Album), ("saveImage", Album), ("saveVideoToPhotosAlbum", Album), ("scan", Camera),
            ("getAuthUserInfo", UserInfo), ("chooseLocation", NoScope), ("choosePhoneContact", NoScope), ("chooseAlipayContact", NoScope),
            ("chooseContact", NoScope), ("addPhoneContact", NoScope), ("openBluetoothAdapter", NoScope),
        ],
        [Platform.ByteDance] =
        [
            ("getUserInfo", UserInfo), ("getUserProfile", UserInfo), ("getLocation", Location), ("chooseLocation", Location),
            ("startRecord", Record), ("RecorderManager.start", Record), ("saveImageToPhotosAlbum", Album), ("saveVideoToPhotosAlbum", Album),
            ("scanCode", Camera), ("chooseImage", Camera), ("chooseVideo", Camera), ("CameraContext.takePhoto", Camera),
            ("chooseAddress", "scope.address"),
        ],
        [Platform.Baidu] =
        [
            ("getUserInfo", UserInfo), ("getLocation", Location), ("chooseLocation", Location), ("startRecord", Record), ("RecorderManager.start", Record),
            ("saveImageToPhotosAlbum", Album), ("saveVideoToPhotosAlbum", Album),
            ("scanCode", Camera), ("chooseImage", Camera), ("chooseVideo", Camera), ("CameraContext.takePhoto", Camera),
            ("addEventOnCalendar", "scope.calendar"), ("deleteEventOnCalendar", "scope.calendar"),
            ("chooseAddress", "scope.address"), ("chooseInvoiceTitle", "scope.invoiceTitle"),
        ],
        [Platform.Kuaishou] =
        [
            ("getUserInfo", UserInfo), ("getLocation", Location), ("chooseLocation", Location),
            ("startLocationUpdateBackground", "scope.userLocationBackground"), ("startRecord", Record), ("RecorderManager.start", Record),
            ("saveImageToPhotosAlbum", Album), ("saveVideoToPhotosAlbum", Album),
            ("scanCode", Camera), ("chooseImage", Camera), ("chooseVideo", Camera), ("CameraContext.takePhoto", Camera),
        ],
    });

    // WeChat's getSetting reports these true without ever asking (its AuthSetting reference: user info since 2021,
    // address and invoices since their authorization was withdrawn).
    private static readonly string[] WeChatReportedGranted = ["scope.userInfo", "scope.address", "scope.invoiceTitle", "scope.invoice"];

    /// <summary>The scope <paramref name="api"/> needs on <paramref name="platform"/>: its canonical name, or
    /// <see langword="null"/> when the platform runs it without asking. False when neither the platform nor the
    /// seed's table knows the API.</summary>
    public static bool TryGetScope(Platform platform, string api, out string? scope)
    {
        if ((uint)platform < (uint)ByPlatform.Length && ByPlatform[(int)platform].TryGetValue(api, out scope))
        {
            return true;
        }

        if (ScopeCatalog.TryGetByApi(api, out var seed))
        {
            scope = seed.Name;
            return true;
        }

        scope = null;
        return false;
    }

    /// <summary>The APIs the platform knows under its own names, with the scope each needs (<see langword="null"/>: none).</summary>
    public static IReadOnlyDictionary<string, string?> For(Platform platform) =>
        (uint)platform < (uint)ByPlatform.Length ? ByPlatform[(int)platform] : FrozenDictionary<string, string?>.Empty;

    /// <summary>The settings keys the platform reports granted while the user has decided nothing.</summary>
    public static IReadOnlyList<string> ReportedGranted(Platform platform) => platform == Platform.WeChat ? WeChatReportedGranted : [];

    private static FrozenDictionary<string, string?>[] Build(Dictionary<Platform, (string Api, string? Scope)[]> apis)
    {
        var result = new FrozenDictionary<string, string?>[Enum.GetValues<Platform>().Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = apis.TryGetValue((Platform)i, out var list)
                ? list.ToFrozenDictionary(a => a.Api, a => a.Scope, StringComparer.Ordinal)
                : FrozenDictionary<string, string?>.Empty;
        }

        return result;
    }
}
