namespace Uni.Authorize.AspNetCore;

/// <summary>
/// What the bridge and the pages know of each platform beyond its scopes: the global it installs, how the platform is
/// shown, which call asks for scopes, and every failure the bridge builds itself, in the platform's own shape. The
/// catalog (<c>GET /api/v1/scopes</c>) and the served bridge carry it, so that a rule is written here once.
/// </summary>
internal static class PlatformSurface
{
    /// <summary>Stands for the failing API's native name in <see cref="FailureInfo.ErrMsg"/>.</summary>
    public const string ApiPlaceholder = "{api}";

    /// <summary>The reasons a provider (the super-app's native layer) may fail with, besides the bridge's own failures.</summary>
    public static IReadOnlyList<string> ProviderReasons { get; } = ["cancel", "systemDenied", "unavailable"];

    public static PlatformFacts Of(Platform platform) => platform switch
    {
        Platform.WeChat => WeChat,
        Platform.Alipay => Alipay,
        Platform.ByteDance => ByteDance,
        Platform.Baidu => Baidu,
        Platform.Kuaishou => Kuaishou,
        _ => throw new ArgumentOutOfRangeException(nameof(platform)),
    };

    // The words after "<api>:fail " on the platforms that word failures (docs/bridge.md, "Failures").
    private static readonly (string Kind, string Words)[] Words =
    [
        ("timeout", "timeout"), ("system", "system error"), ("notSupported", "not supported"), ("invalidParam", "invalid param"),
        ("invalidScope", "invalid scope"), ("sessionExpired", "session expired"),
        ("cancel", "cancel"), ("systemDenied", "system permission denied"), ("unavailable", "not available"),
    ];

    private static readonly AuthorizeCall ByScope = new("authorize", "scope");

    private static readonly PlatformFacts WeChat = new("wx", "微信", "WeChat", "#07c160", ByScope, Worded(_ => new FailureInfo()));

    // Alipay answers numbers, never the API's name: 11 is the user cancelling (my.chooseImage), 2001 a refused permission.
    private static readonly PlatformFacts Alipay = new("my", "支付宝", "Alipay", "#1677ff", new("getAuthCode", "scopes") { Default = "auth_base" }, new Dictionary<string, FailureInfo>
    {
        ["timeout"] = new() { Error = 3, ErrorMessage = "未获取到授权结果" },
        ["system"] = new() { Error = 3, ErrorMessage = "未获取到授权结果" },
        ["notSupported"] = new() { Error = 1, ErrorMessage = "接口不存在" },
        ["invalidParam"] = new() { Error = 2, ErrorMessage = "参数错误" },
        ["invalidScope"] = new() { Error = 2, ErrorMessage = "参数错误" },
        ["sessionExpired"] = new() { Error = 3, ErrorMessage = "未获取到授权结果" },
        ["cancel"] = new() { Error = 11, ErrorMessage = "用户取消操作" },
        ["systemDenied"] = new() { Error = 2001, ErrorMessage = "系统权限未开启" },
        ["unavailable"] = new() { Error = 3, ErrorMessage = "当前设备不支持" },
    });

    private static readonly PlatformFacts ByteDance = new("tt", "抖音", "ByteDance", "#fe2c55", ByScope, Worded(kind => new FailureInfo
    {
        ErrNo = kind switch
        {
            "timeout" => "10203",
            "invalidParam" or "invalidScope" => "10202",
            "sessionExpired" => "10206",
            "cancel" => "10207",
            "systemDenied" => "10208",
            "unavailable" => "10209",
            _ => "10204",
        },
    }));

    private static readonly PlatformFacts Baidu = new("swan", "百度", "Baidu", "#3370ff", ByScope, Worded(kind => new FailureInfo
    {
        ErrCode = kind switch
        {
            "timeout" => 10006,
            "invalidParam" or "invalidScope" => 10005,
            "sessionExpired" => 10008,
            "cancel" => 1002,
            "systemDenied" => 10004,
            _ => 10001,
        },
    }));

    // Kuaishou words an invalid scope without the API's name, as the host does.
    private static readonly PlatformFacts Kuaishou = new("ks", "快手", "Kuaishou", "#ff4906", ByScope, KuaishouFailures());

    private static Dictionary<string, FailureInfo> KuaishouFailures()
    {
        var failures = Worded(_ => new FailureInfo());
        failures["invalidScope"] = new() { ErrMsg = "invalid scope" };
        return failures;
    }

    private static Dictionary<string, FailureInfo> Worded(Func<string, FailureInfo> codes) =>
        Words.ToDictionary(w => w.Kind, w => codes(w.Kind) with { ErrMsg = ApiPlaceholder + ":fail " + w.Words }, StringComparer.Ordinal);
}

/// <summary>One platform's facts for the bridge and the pages.</summary>
internal sealed record PlatformFacts(string Global, string NameZh, string NameEn, string Color, AuthorizeCall Authorize,
    IReadOnlyDictionary<string, FailureInfo> Failures);

/// <summary>The call that asks for scopes (<c>wx.authorize({scope})</c>, <c>my.getAuthCode({scopes})</c>).</summary>
internal sealed record AuthorizeCall(string Api, string Option)
{
    /// <summary>The scope asked when the call names none (Alipay's <c>getAuthCode</c>: <c>auth_base</c>).</summary>
    public string? Default { get; init; }
}

/// <summary>A failure payload in the platform's shape; <c>{api}</c> in <see cref="ErrMsg"/> stands for the API's name.</summary>
internal sealed record FailureInfo
{
    public string? ErrMsg { get; init; }

    public string? ErrNo { get; init; }

    public int? ErrCode { get; init; }

    public int? Error { get; init; }

    public string? ErrorMessage { get; init; }
}

/// <summary>An API of the platform under its native name: the scope its gate asks for (<see langword="null"/>: none),
/// and its kind: <c>gated</c> (a scope), <c>picker</c> (no scope: the person's own action is the consent) or
/// <c>data</c> (the host answers it) or <c>code</c> (asked at every call; the gate's grant, a single-use code, is the answer).</summary>
internal sealed record ApiInfo(string Name, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] string? Scope, string Kind);
