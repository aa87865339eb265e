using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>The scope catalog per platform: public, no credentials. Besides the scopes it carries what the bridge and the
/// pages know of the platform (its APIs with their scopes and kinds, its failures, its global), so that they hold no
/// platform table of their own.</summary>
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

    // The five platforms in the order pages show them.
    private static readonly Platform[] Platforms = [Platform.WeChat, Platform.Alipay, Platform.ByteDance, Platform.Baidu, Platform.Kuaishou];

    // The catalog changes only with the build: built once.
    private static readonly Lazy<IReadOnlyList<CatalogResponse>> All = new(() => [.. Platforms.Select(Build)]);

    /// <summary>Every platform's catalog.</summary>
    public static IReadOnlyList<CatalogResponse> Catalog => All.Value;

    private static IResult GetCatalog() =>
        TypedResults.Json(All.Value, HostJson.Default.IReadOnlyListCatalogResponse);

    private static IResult GetPlatformCatalog(string platform) =>
        PlatformNames.TryParse(platform, out var parsed)
            ? TypedResults.Json(For(parsed), HostJson.Default.CatalogResponse)
            : Problems.NotFound("unknown_platform", "The platform is one of wechat, alipay, bytedance, baidu, kuaishou.");

    private static CatalogResponse For(Platform platform) => All.Value[Array.IndexOf(Platforms, platform)];

    private static CatalogResponse Build(Platform platform)
    {
        var facts = PlatformSurface.Of(platform);
        return new(PlatformNames.Of(platform), [.. ScopeCatalog.For(platform).Select(s => Describe(s, platform))])
        {
            Global = facts.Global,
            NameZh = facts.NameZh,
            NameEn = facts.NameEn,
            Color = facts.Color,
            Authorize = facts.Authorize,
            Apis = [.. ScopeCatalog.Apis(platform).OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new ApiInfo(a.Key, a.Value, KindOf(platform, a.Key, a.Value)))],
            Failures = facts.Failures,
        };
    }

    // "code": a scope asked at every call whose grant yields a single-use code (WeChat's getPhoneNumber): the gate's
    // answer is the API's answer.
    private static string KindOf(Platform platform, string api, string? scope) =>
        UserInfoEndpoints.Serves(platform, api) ? "data"
        : scope is null ? "picker"
        : ScopeCatalog.TryResolve(platform, scope, out _, out var rule) && rule is { PromptMode: ScopePromptMode.EveryCall, IssuesAuthCode: true } ? "code"
        : "gated";
}
