using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// The pages a person uses: the demo mini-app (mapped on its own), the consent dialog, the settings page, the user's data
/// page and the operator's console (paths from <see cref="UniAuthorizeHostOptions"/>), and their scripts and styles under
/// <c>/assets/</c>. They talk to the user, mini-app and admin APIs like any client; their policy refuses framing, inline
/// script and every other origin.
/// </summary>
internal static class PageEndpoints
{
    public const string AssetsPath = "/assets";

    // Pages only run their own files and frame only documents of the host; of those, only the mini-app sandbox lets
    // itself be framed (every other page says frame-ancestors 'none').
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'none'; "
        + "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder routes)
    {
        var options = routes.ServiceProvider.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value;
        MapPage(routes, options.ConsentPagePath, "consent.html");
        MapPage(routes, options.SettingsPagePath, "settings.html");
        MapPage(routes, options.ConsolePagePath, "console.html");
        MapPage(routes, options.DataPagePath, "my-data.html");
        var sandbox = PageAssets.Page("sandbox.html");
        var sandboxPolicy = SandboxPolicy(options.MiniAppOrigins);
        routes.MapGet(options.MiniAppSandboxPath, (HttpContext context) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = sandboxPolicy;
            headers.XFrameOptions = "SAMEORIGIN";
            return sandbox.Serve(context);
        });
        routes.MapGet(AssetsPath + "/{name}", static (HttpContext context, string name) =>
            PageAssets.Find(name) is { } asset && !asset.Name.EndsWith(".html", StringComparison.Ordinal)
                ? Serve(context, asset)
                : Problems.NotFound("asset_not_found", "No page asset has this name."));
    }

    public static RouteHandlerBuilder MapDemo(IEndpointRouteBuilder routes, string pattern) =>
        MapPage(routes, pattern, "demo.html").WithTags("Pages").ExcludeFromDescription();

    /// <summary>The mini-app sandbox's policy. <c>sandbox allow-scripts</c> (in the header, so it holds when the document is
    /// opened at top level too) gives it an opaque origin: no cookies, no storage, no same-origin access to the host, and
    /// no forms, popups or top-level navigation. It loads scripts from the host and the listed mini-app origins, starts
    /// workers only from its own blobs, connects only to them too, frames nothing, and only the host's pages frame it.</summary>
    public static string SandboxPolicy(IEnumerable<string> miniAppOrigins)
    {
        var origins = string.Concat(miniAppOrigins.Select(static origin => " " + origin.TrimEnd('/')));
        return $"sandbox allow-scripts; default-src 'none'; script-src 'self'{origins}; connect-src 'self'{origins}; "
            + "worker-src blob:; style-src 'self'; img-src 'self' data:; frame-src 'none'; object-src 'none'; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'self'";
    }

    private static RouteHandlerBuilder MapPage(IEndpointRouteBuilder routes, string path, string page)
    {
        var asset = PageAssets.Page(page);
        return routes.MapGet(path, (HttpContext context) => Serve(context, asset));
    }

    private static IResult Serve(HttpContext context, EmbeddedAsset asset)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        return asset.Serve(context);
    }
}
