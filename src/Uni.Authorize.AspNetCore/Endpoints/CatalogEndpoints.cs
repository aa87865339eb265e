using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>The scope catalog per platform: public, no credentials.</summary>
internal static class CatalogEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(string.Empty, GetCatalog).Produces<IReadOnlyList<CatalogResponse>>();
        routes.MapGet("/{platform}", GetPlatformCatalog).Produces<CatalogResponse>();
    }

    public static ScopeInfo Describe(ScopeDefinition scope, Platform platform)
    {
        var rule = scope.Platforms[platform];
        var mode = rule.PromptMode switch
        {
            ScopePromptMode.Silent => "silent",
            ScopePromptMode.SettingsOnly => "settingsOnly",
            ScopePromptMode.EveryCall => "everyCall",
            _ => "dialog",
        };
        return new ScopeInfo(scope.Name, rule.NativeName, scope.DescriptionZh, scope.DescriptionEn, scope.Apis, mode, rule.SettingKey, rule.IssuesAuthCode)
        {
            NativeApis = ScopeCatalog.NativeApis(scope, platform),
        };
    }

    private static IResult GetCatalog() =>
        TypedResults.Json<IReadOnlyList<CatalogResponse>>([.. new[] { Platform.WeChat, Platform.Alipay, Platform.ByteDance, Platform.Baidu, Platform.Kuaishou }.Select(For)],
            HostJson.Default.IReadOnlyListCatalogResponse);

    private static IResult GetPlatformCatalog(string platform) =>
        PlatformNames.TryParse(platform, out var parsed)
            ? TypedResults.Json(For(parsed), HostJson.Default.CatalogResponse)
            : Problems.NotFound("unknown_platform", "The platform is one of wechat, alipay, bytedance, baidu, kuaishou.");

    private static CatalogResponse For(Platform platform) =>
        new(PlatformNames.Of(platform), [.. ScopeCatalog.For(platform).Select(s => Describe(s, platform))]);
}
