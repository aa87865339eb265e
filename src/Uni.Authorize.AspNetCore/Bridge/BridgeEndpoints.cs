using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>Serves the mini-program bridge script (<c>uni-bridge.js</c>), embedded in this assembly.</summary>
internal static class BridgeEndpoints
{
    public const string ScriptPath = "/bridge/uni-bridge.js";
    private const string ResourceName = "Uni.Authorize.AspNetCore.Bridge.uni-bridge.js";

    private static readonly Lazy<EmbeddedAsset> Script = new(() => EmbeddedAsset.Load(ResourceName, "uni-bridge.js"));

    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet(ScriptPath, static (HttpContext context) => Script.Value.Serve(context))
            .Produces(200, contentType: "text/javascript");
}
