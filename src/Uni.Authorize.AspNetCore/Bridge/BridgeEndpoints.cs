using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>Serves the mini-program bridge script (<c>uni-bridge.js</c>), embedded in this assembly, with the host's
/// catalog (<c>GET /api/v1/scopes</c>) written into it, so that <c>UniBridge.install</c> stays synchronous.</summary>
internal static class BridgeEndpoints
{
    public const string ScriptPath = "/bridge/uni-bridge.js";
    private const string ResourceName = "Uni.Authorize.AspNetCore.Bridge.uni-bridge.js";

    /// <summary>The one expression of the script the host replaces with the catalog.</summary>
    public const string CatalogMarker = "/* uni-authorize:catalog */ null";

    private static readonly Lazy<EmbeddedAsset> Script = new(Build);

    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet(ScriptPath, static (HttpContext context) => Script.Value.Serve(context))
            .Produces(200, contentType: "text/javascript");

    private static EmbeddedAsset Build()
    {
        var source = Encoding.UTF8.GetString(EmbeddedAsset.Load(ResourceName, "uni-bridge.js").Content);
        var at = source.IndexOf(CatalogMarker, StringComparison.Ordinal);
        if (at < 0 || source.IndexOf(CatalogMarker, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"uni-bridge.js must hold '{CatalogMarker}' exactly once.");
        }

        // JSON is a JavaScript expression; the serializer escapes '<' and the line separators, so nothing ends the script early.
        var catalog = JsonSerializer.Serialize(CatalogEndpoints.Catalog, HostJson.Default.IReadOnlyListCatalogResponse);
        return EmbeddedAsset.Of("uni-bridge.js", Encoding.UTF8.GetBytes(string.Concat(source.AsSpan(0, at), catalog, source.AsSpan(at + CatalogMarker.Length))));
    }
}
