using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>The keys of Alipay's gateway on the admin API: an Alipay app's RSA2 public key (what Alipay's console calls
/// the 应用公钥), which its server's gateway calls are verified with, and the host's own public key, which app servers
/// configure as <c>alipayPublicKey</c> to verify the gateway's answers.</summary>
internal static class AlipayKeyEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/alipay/gateway-key", GetGatewayKeyAsync).Produces<AlipayGatewayKeyInfo>();
        group.MapPut("/apps/{appId}/alipay-public-key", SetAppKeyAsync).Accepts<AlipayPublicKeyBody>("application/json").Produces<OperatorAppInfo>();
        group.MapDelete("/apps/{appId}/alipay-public-key", RemoveAppKeyAsync).Produces<OperatorAppInfo>();
    }

    private static async Task<IResult> GetGatewayKeyAsync(HttpContext context, AlipayGatewayKey key) =>
        TypedResults.Json(new AlipayGatewayKeyInfo(await key.PublicKeyAsync(context.RequestAborted).ConfigureAwait(false), "RSA2"),
            ConsoleJson.Default.AlipayGatewayKeyInfo);

    private static async Task<IResult> SetAppKeyAsync(HttpContext context, string appId, HostIdentities identities)
    {
        var (body, problem) = await JsonBody.ReadAsync(context, ConsoleJson.Default.AlipayPublicKeyBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if (AlipayAppKeys.Normalize(body.PublicKey) is not { } publicKey)
        {
            return Problems.BadRequest("invalid_public_key",
                "'publicKey' is an RSA public key of 2048 to 4096 bits: the base64 that Alipay's key tool prints (应用公钥), or PEM.");
        }

        if (await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false) is not { } app)
        {
            return Problems.AppNotFound();
        }

        if (app.Platform != Platform.Alipay)
        {
            return Problems.BadRequest("alipay_only", $"Gateway keys are an Alipay rule; the app's platform is {PlatformNames.Of(app.Platform)}.");
        }

        // A new key ends the access tokens issued under the old one (SecretBound.AccessTokenKey).
        return await UpdateAsync(context, identities, app with { AlipayPublicKey = publicKey }, "set the Alipay public key of app").ConfigureAwait(false);
    }

    private static async Task<IResult> RemoveAppKeyAsync(HttpContext context, string appId, HostIdentities identities) =>
        await identities.FindAppAsync(appId, context.RequestAborted).ConfigureAwait(false) is { } app
            ? await UpdateAsync(context, identities, app with { AlipayPublicKey = null }, "removed the Alipay public key of app").ConfigureAwait(false)
            : Problems.AppNotFound();

    private static async Task<IResult> UpdateAsync(HttpContext context, HostIdentities identities, HostApp app, string action)
    {
        if (!await identities.UpdateAppAsync(app, context.RequestAborted).ConfigureAwait(false))
        {
            return Problems.AppNotFound();
        }

        OperatorAccess.Audit(context, action, app.Id);
        return TypedResults.Json(ConsoleEndpoints.Describe(app), ConsoleJson.Default.OperatorAppInfo);
    }
}
