using System.Collections.Frozen;

namespace Uni.Authorize;

/// <summary>The seed's scope table, with each platform's names and rules.</summary>
public static class ScopeCatalog
{
    /// <summary>The longest scope name accepted as input.</summary>
    public const int MaxScopeLength = 256;

    /// <summary>Every scope of the seed's table, in its order. Two rows name a platform the seed leaves out, as that
    /// platform documents it today: Baidu's <c>scope.userInfo</c> and Alipay's location permission (setting key
    /// <c>location</c>). WeChat's <c>scope.userInfo</c> is silent, as WeChat has answered it without a dialog since 2021.</summary>
    public static IReadOnlyList<ScopeDefinition> Scopes { get; } =
    [
        Scope("scope.userInfo", "用户信息", "User profile", ["getUserInfo", "getOpenUserInfo"],
            WeChat() with { PromptMode = ScopePromptMode.Silent }, Dialog(Platform.ByteDance), Dialog(Platform.Kuaishou),
            new PlatformScope(Platform.Alipay, "auth_user", ScopePromptMode.Dialog, "userInfo", IssuesAuthCode: true),
            Dialog(Platform.Baidu)),
        Scope("scope.userLocation", "地理位置", "Location", ["getLocation", "chooseLocation"],
            WeChat(), Dialog(Platform.ByteDance), Dialog(Platform.Baidu), Dialog(Platform.Kuaishou),
            new PlatformScope(Platform.Alipay, "scope.userLocation", ScopePromptMode.Dialog, "location", IssuesAuthCode: false)),
        Scope("scope.userLocationBackground", "后台定位", "Location in the background", ["startLocationUpdateBackground"],
            WeChat() with { PromptMode = ScopePromptMode.SettingsOnly },
            Dialog(Platform.Kuaishou)),
        Scope("scope.werun", "微信运动步数", "WeChat step count", ["getWeRunData"],
            WeChat()),
        Scope("scope.record", "录音功能", "Microphone", ["startRecord"],
            WeChat(pluginMayAsk: true), Dialog(Platform.ByteDance), Dialog(Platform.Baidu), Dialog(Platform.Kuaishou)),
        Scope("scope.writePhotosAlbum", "保存到相册", "Save to the photo album", ["saveImage", "saveVideo"],
            WeChat(pluginMayAsk: true),
            new PlatformScope(Platform.ByteDance, "scope.album", ScopePromptMode.Dialog, "scope.album", IssuesAuthCode: false),
            Dialog(Platform.Baidu), Dialog(Platform.Kuaishou),
            new PlatformScope(Platform.Alipay, "scope.writePhotosAlbum", ScopePromptMode.Dialog, "writePhotosAlbum", IssuesAuthCode: false)),
        Scope("scope.camera", "摄像头", "Camera", ["scanCode", "chooseImage", "chooseVideo"],
            WeChat(pluginMayAsk: true), Dialog(Platform.ByteDance), Dialog(Platform.Baidu), Dialog(Platform.Kuaishou),
            new PlatformScope(Platform.Alipay, "scope.camera", ScopePromptMode.Dialog, "camera", IssuesAuthCode: false)),
        Scope("scope.calendar", "日历", "Calendar", ["addEventOnCalendar", "deleteEventOnCalendar"],
            Dialog(Platform.Baidu)),
        Scope("auth_base", "静默授权，不会发起授权浮窗。在支付宝客户端获取 auth_code，传入服务端调用 alipay.system.oauth.token 接口获取支付宝会员标识（user_id）",
            "Silent: no dialog; yields an auth code the app's server exchanges for the user's id", ["alipay.system.oauth.token"],
            new PlatformScope(Platform.Alipay, "auth_base", ScopePromptMode.Silent, null, IssuesAuthCode: true)),
        Scope("auth_zhima", "用户芝麻信息", "Zhima credit information", ["zhima.credit.score.brief.get"],
            new PlatformScope(Platform.Alipay, "auth_zhima", ScopePromptMode.Dialog, null, IssuesAuthCode: true)),
    ];

    /// <summary>
    /// Scopes a platform has today beyond the seed's table (WeChat's fuzzy location, Bluetooth, contacts, calendar,
    /// address and invoices; ByteDance's and Baidu's address, Baidu's invoice title). WeChat no longer asks for
    /// <c>scope.address</c>, <c>scope.invoice</c> and <c>scope.invoiceTitle</c>: they are silent and its settings report
    /// them granted; ByteDance and Baidu still ask.
    /// </summary>
    public static IReadOnlyList<ScopeDefinition> PlatformScopes { get; } =
    [
        Scope("scope.userFuzzyLocation", "模糊地理位置", "Approximate location", ["getFuzzyLocation"], WeChat()),
        // Alipay's album permission (my.getSetting key "album"): what my.chooseImage asks for.
        Scope("scope.photosAlbum", "相册", "Pick from the photo album", ["chooseImage", "chooseVideo"],
            new PlatformScope(Platform.Alipay, "scope.photosAlbum", ScopePromptMode.Dialog, "album", IssuesAuthCode: false)),
        Scope("scope.bluetooth", "蓝牙", "Bluetooth", ["openBluetoothAdapter", "createBLEPeripheralServer"], WeChat()),
        Scope("scope.addPhoneContact", "添加到联系人", "Add to the phone's contacts", ["addPhoneContact"], WeChat()),
        Scope("scope.addPhoneCalendar", "添加到日历", "Add to the phone's calendar", ["addPhoneCalendar", "addPhoneRepeatCalendar"], WeChat()),
        Scope("scope.address", "通讯地址", "Postal address", ["chooseAddress"], WeChat() with { PromptMode = ScopePromptMode.Silent },
            Dialog(Platform.ByteDance), Dialog(Platform.Baidu)),
        Scope("scope.invoiceTitle", "发票抬头", "Invoice title", ["chooseInvoiceTitle"], WeChat() with { PromptMode = ScopePromptMode.Silent },
            Dialog(Platform.Baidu)),
        Scope("scope.invoice", "获取发票", "Invoices", ["chooseInvoice"], WeChat() with { PromptMode = ScopePromptMode.Silent }),
        // WeChat's phone-number button: asked at every tap, never in settings, and a grant yields the single-use code the
        // app's server exchanges at wxa/business/getuserphonenumber.
        Scope("phoneNumber", "手机号码", "Phone number", ["getPhoneNumber"],
            WeChat() with { PromptMode = ScopePromptMode.EveryCall, SettingKey = null, IssuesAuthCode = true }),
    ];

    /// <summary>
    /// The user's agreement to an app's privacy contract (WeChat's privacy guide), kept as a decision like any scope
    /// (audited, shown in settings, revocable) but not one of the seed's scopes: <c>authorize</c> never takes it.
    /// </summary>
    public static ScopeDefinition PrivacyAgreement { get; } = Scope("privacy", "隐私保护指引", "Privacy agreement",
        ["requirePrivacyAuthorize", "getPrivacySetting"],
        new PlatformScope(Platform.WeChat, "privacy", ScopePromptMode.Dialog, "privacy", IssuesAuthCode: false));

    // The seed's scopes first, then the platforms' own: the order of settings pages and the catalog.
    private static readonly ScopeDefinition[] All = [.. Scopes, .. PlatformScopes];

    private static readonly FrozenDictionary<string, ScopeDefinition> ByName =
        All.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, ScopeDefinition> ByApi =
        // The seed's scope first where a platform's own names the same API (Alipay's album asks for chooseImage too).
        All.SelectMany(s => s.Apis, (s, api) => (s, api)).DistinctBy(p => p.api, StringComparer.Ordinal)
            .ToFrozenDictionary(p => p.api, p => p.s, StringComparer.Ordinal);

    // Per platform, every name the platform accepts: canonical names and native aliases (scope.album, auth_user).
    private static readonly FrozenDictionary<string, ResolvedScope>[] ByInput = BuildInputs();

    /// <summary>The scope with the canonical <paramref name="name"/>, of the seed's table or a platform's own.</summary>
    public static bool TryGet(string name, out ScopeDefinition scope) => ByName.TryGetValue(name, out scope!);

    /// <summary>The scope an API belongs to (<c>getLocation</c> → <c>scope.userLocation</c>).</summary>
    public static bool TryGetByApi(string api, out ScopeDefinition scope) => ByApi.TryGetValue(api, out scope!);

    /// <summary>The APIs that ask for <paramref name="scope"/> on <paramref name="platform"/>, under the platform's own
    /// names (<c>saveImageToPhotosAlbum</c> on WeChat, <c>saveImage</c> on Alipay), the global's own functions before the
    /// members of objects (<c>CameraContext.takePhoto</c>); empty when no API of the platform asks for it.</summary>
    public static IReadOnlyList<string> NativeApis(ScopeDefinition scope, Platform platform)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return [.. PlatformApis.For(platform).Where(p => string.Equals(p.Value, scope.Name, StringComparison.Ordinal)).Select(p => p.Key)
            .OrderBy(name => name.Contains('.', StringComparison.Ordinal)).ThenBy(name => name, StringComparer.Ordinal)];
    }

    /// <summary>Every API <paramref name="platform"/> knows under its own name, with the scope its gate asks for
    /// (<see langword="null"/>: the platform runs it without asking).</summary>
    public static IReadOnlyDictionary<string, string?> Apis(Platform platform) => PlatformApis.For(platform);

    /// <summary>The scopes <paramref name="platform"/> supports: the seed's in its order, then the platform's own.</summary>
    public static IEnumerable<ScopeDefinition> For(Platform platform) => All.Where(s => s.IsSupportedOn(platform));

    /// <summary>The scope a platform's input names: the canonical name or the platform's native name.</summary>
    public static bool TryResolve(Platform platform, string input, out ScopeDefinition scope, out PlatformScope rule)
    {
        if ((uint)platform < (uint)ByInput.Length && ByInput[(int)platform].TryGetValue(input, out var resolved))
        {
            (scope, rule) = (resolved.Scope, resolved.Rule);
            return true;
        }

        (scope, rule) = (null!, null!);
        return false;
    }

    internal static bool TryResolve(Platform platform, string input, out ResolvedScope resolved)
    {
        if ((uint)platform < (uint)ByInput.Length)
        {
            return ByInput[(int)platform].TryGetValue(input, out resolved!);
        }

        resolved = null!;
        return false;
    }

    /// <summary>Whether <paramref name="input"/> has the shape of a scope name: 1 to 256 characters, not blank, no control characters.</summary>
    public static bool IsWellFormed(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > MaxScopeLength)
        {
            return false;
        }

        foreach (var c in input)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private static FrozenDictionary<string, ResolvedScope>[] BuildInputs()
    {
        var platforms = Enum.GetValues<Platform>();
        var result = new FrozenDictionary<string, ResolvedScope>[platforms.Length];
        foreach (var platform in platforms)
        {
            var names = new Dictionary<string, ResolvedScope>(StringComparer.Ordinal);
            foreach (var scope in All)
            {
                if (scope.Platforms.TryGetValue(platform, out var rule))
                {
                    var resolved = new ResolvedScope(scope, rule);
                    names[scope.Name] = resolved;
                    names[rule.NativeName] = resolved;
                }
            }

            result[(int)platform] = names.ToFrozenDictionary(StringComparer.Ordinal);
        }

        return result;
    }

    // Rules built by Dialog() leave the names empty: the scope's canonical name fills them.
    private static ScopeDefinition Scope(string name, string zh, string en, string[] apis, params PlatformScope[] platforms) =>
        new(name, zh, en, apis, [.. platforms.Select(p => p.NativeName.Length > 0 ? p : p with { NativeName = name, SettingKey = name })]);

    private static PlatformScope Dialog(Platform platform) =>
        new(platform, NativeName: "", ScopePromptMode.Dialog, SettingKey: "", IssuesAuthCode: false);

    // Every WeChat scope touches personal data, so each needs the privacy agreement when the app declares a contract.
    private static PlatformScope WeChat(bool pluginMayAsk = false) =>
        Dialog(Platform.WeChat) with { NeedsPrivacyAgreement = true, PluginMayAsk = pluginMayAsk };
}
