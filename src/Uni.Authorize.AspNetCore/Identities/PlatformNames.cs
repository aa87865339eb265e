namespace Uni.Authorize.AspNetCore;

/// <summary>The platform names of the HTTP API: <c>wechat</c>, <c>alipay</c>, <c>bytedance</c>, <c>baidu</c>, <c>kuaishou</c>.</summary>
public static class PlatformNames
{
    /// <summary>The API name of <paramref name="platform"/>.</summary>
    public static string Of(Platform platform) => platform switch
    {
        Platform.WeChat => "wechat",
        Platform.Alipay => "alipay",
        Platform.ByteDance => "bytedance",
        Platform.Baidu => "baidu",
        Platform.Kuaishou => "kuaishou",
        _ => "web",
    };

    /// <summary>Parses an API name (case-insensitive); the web is not a host platform.</summary>
    public static bool TryParse(string? name, out Platform platform)
    {
        platform = name?.ToLowerInvariant() switch
        {
            "wechat" => Platform.WeChat,
            "alipay" => Platform.Alipay,
            "bytedance" => Platform.ByteDance,
            "baidu" => Platform.Baidu,
            "kuaishou" => Platform.Kuaishou,
            _ => Platform.Web,
        };
        return platform != Platform.Web;
    }
}
