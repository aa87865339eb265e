using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>Serves the mini-program bridge script (<c>uni-bridge.js</c>), embedded in this assembly.</summary>
internal static class BridgeEndpoints
{
    public const string ScriptPath = "/bridge/uni-bridge.js";
    private const string ResourceName = "Uni.Authorize.AspNetCore.Bridge.uni-bridge.js";

    private static readonly Lazy<(byte[] Bytes, string ETag)> Script = new(Load);

    public static void Map(IEndpointRouteBuilder routes) =>
        routes.MapGet(ScriptPath, Serve).WithTags("Bridge").Produces(200, contentType: "text/javascript");

    private static IResult Serve(HttpContext context)
    {
        var (bytes, etag) = Script.Value;
        context.Response.Headers.ETag = etag;

        // Revalidated on every load, so that a new host version's bridge is picked up at once.
        context.Response.Headers.CacheControl = "no-cache";
        return context.Request.Headers.IfNoneMatch == etag
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(bytes, "text/javascript; charset=utf-8");
    }

    private static (byte[] Bytes, string ETag) Load()
    {
        using var stream = typeof(BridgeEndpoints).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        return (bytes, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16)) + "\"");
    }
}
