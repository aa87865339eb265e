using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>The admin API of an app's webhook: register or change its URL, rotate its signing secret (shown once), read
/// it, remove it. Mapped inside the admin group, behind its key check.</summary>
internal static class WebhookAdminEndpoints
{
    private const int MaxUrlLength = 2048;

    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/apps/{appId}/webhook", GetAsync).Produces<WebhookInfo>();
        group.MapPut("/apps/{appId}/webhook", PutAsync).Accepts<WebhookBody>("application/json").Produces<WebhookInfo>().Produces<WebhookInfo>(201);
        group.MapPost("/apps/{appId}/webhook/secret", RotateAsync).Produces<WebhookInfo>();
        group.MapDelete("/apps/{appId}/webhook", DeleteAsync).Produces(204);
    }

    private static async Task<IResult> GetAsync(HttpContext context, string appId, IWebhookStore store, HostIdentities identities)
    {
        if (await MissingAppAsync(appId, identities, context.RequestAborted).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        return await store.GetEndpointAsync(appId, context.RequestAborted).ConfigureAwait(false) is { } endpoint
            ? Info(endpoint, secret: null)
            : NoWebhook(appId);
    }

    // A new webhook gets a secret (201, shown this once); a changed URL keeps the secret it had.
    private static async Task<IResult> PutAsync(HttpContext context, string appId, ProtectedWebhookStore store, HostIdentities identities,
        TimeProvider time, IOptions<UniAuthorizeWebhookOptions> options, WebhookDestinations destinations)
    {
        if (await MissingAppAsync(appId, identities, context.RequestAborted).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        var (body, problem) = await JsonBody.ReadAsync(context, WebhookJson.Default.WebhookBody).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        if ((ValidateUrl(body.Url, options.Value.AllowHttpLoopback) ?? destinations.Refuses(new Uri(body.Url!, UriKind.Absolute))) is { } invalid)
        {
            return Problems.BadRequest("invalid_webhook_url", invalid);
        }

        var existing = await store.GetEndpointAsync(appId, context.RequestAborted).ConfigureAwait(false);
        var endpoint = new WebhookEndpoint(appId, new Uri(body.Url!, UriKind.Absolute), existing?.Secret ?? WebhookSignature.NewSecret(), time.GetUtcNow());
        await store.SetEndpointAsync(endpoint, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return existing is null
            ? TypedResults.Json(ToInfo(endpoint, endpoint.Secret), WebhookJson.Default.WebhookInfo, statusCode: StatusCodes.Status201Created)
            : Info(endpoint, secret: null);
    }

    private static async Task<IResult> RotateAsync(HttpContext context, string appId, ProtectedWebhookStore store, HostIdentities identities, TimeProvider time)
    {
        if (await MissingAppAsync(appId, identities, context.RequestAborted).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        if (await store.GetEndpointAsync(appId, context.RequestAborted).ConfigureAwait(false) is not { } existing)
        {
            return NoWebhook(appId);
        }

        var rotated = existing with { Secret = WebhookSignature.NewSecret(), UpdatedAt = time.GetUtcNow() };
        await store.SetEndpointAsync(rotated, context.RequestAborted).ConfigureAwait(false);
        context.Response.Headers.CacheControl = "no-store";
        return Info(rotated, rotated.Secret);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string appId, IWebhookStore store, HostIdentities identities)
    {
        if (await MissingAppAsync(appId, identities, context.RequestAborted).ConfigureAwait(false) is { } missing)
        {
            return missing;
        }

        return await store.RemoveEndpointAsync(appId, context.RequestAborted).ConfigureAwait(false) ? TypedResults.NoContent() : NoWebhook(appId);
    }

    /// <summary>Why <paramref name="url"/> cannot receive events, or <see langword="null"/> when it can.</summary>
    internal static string? ValidateUrl(string? url, bool allowHttpLoopback)
    {
        if (url is not { Length: > 0 and <= MaxUrlLength } || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return $"'url' is an absolute URL of at most {MaxUrlLength} characters.";
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return "'url' may not carry user information or a fragment.";
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)
        {
            return allowHttpLoopback ? null : "'url' must use https; plain http to a loopback address needs UniAuthorizeWebhookOptions.AllowHttpLoopback.";
        }

        return "'url' must use https.";
    }

    private static async ValueTask<IResult?> MissingAppAsync(string appId, HostIdentities identities, CancellationToken cancellationToken) =>
        await identities.FindAppAsync(appId, cancellationToken).ConfigureAwait(false) is null ? Problems.AppNotFound() : null;

    private static IResult NoWebhook(string appId) => Problems.NotFound("webhook_not_found", $"The app '{appId}' has no webhook.");

    private static IResult Info(WebhookEndpoint endpoint, string? secret) => TypedResults.Json(ToInfo(endpoint, secret), WebhookJson.Default.WebhookInfo);

    private static WebhookInfo ToInfo(WebhookEndpoint endpoint, string? secret) => new(endpoint.AppId, endpoint.Url.AbsoluteUri, endpoint.UpdatedAt, secret);
}
