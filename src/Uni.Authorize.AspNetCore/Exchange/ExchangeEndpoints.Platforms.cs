using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace Uni.Authorize.AspNetCore;

// ByteDance, Baidu and Kuaishou: each in its platform's request and response shape (docs/platforms.md lists the
// sources and the codes chosen where a platform documents none). The rules are those of WeChat's exchange: the app is
// authenticated first (a wrong secret leaves the code usable), a code works once for its own app until it expires, and
// the first redemption attempt uses it up whatever its outcome.
//
// Each platform's endpoints mirror its own paths under one prefix (/api/v1/exchange/<platform>/...), so that an app
// server's SDK works by changing only its base URL; those answer with the platform's status, HTTP 200 for every answer.
// The host's earlier paths stay as aliases with their 4xx statuses, for clients written against them.
internal static partial class ExchangeEndpoints
{
    /// <summary>The scope recorded on ByteDance's <c>anonymousCode</c>, which only the <c>anonymous_code</c> field redeems.</summary>
    public const string AnonymousLoginScope = "login.anonymous";

    private delegate Task<IResult> PlatformExchange(HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms, bool mirror);

    private static void MapPlatforms(IEndpointRouteBuilder routes)
    {
        // ByteDance's base URL is https://developer.toutiao.com, or https://developer.toutiao.com/api in some SDKs.
        MapPlatform<ByteDanceSessionResponse>(routes, ByteDanceJsCode2SessionAsync, "/bytedance/jscode2session",
            ["/bytedance/api/apps/v2/jscode2session", "/bytedance/apps/v2/jscode2session"], "application/json", "application/x-www-form-urlencoded");
        // One base URL for both of Baidu's hosts: spapi.baidu.com's current path and openapi.baidu.com's earlier one.
        MapPlatform<BaiduSessionResponse>(routes, BaiduGetSessionKeyByCodeAsync, "/baidu/getsessionkeybycode",
            ["/baidu/oauth/jscode2sessionkey", "/baidu/nalogin/getSessionKeyByCode"], "application/x-www-form-urlencoded");
        MapPlatform<KuaishouSessionResponse>(routes, KuaishouCode2SessionAsync, "/kuaishou/code2session",
            ["/kuaishou/oauth2/mp/code2session"], "application/x-www-form-urlencoded");
    }

    // The platform's own paths (mirror: HTTP 200 for every answer) and the host's earlier one (alias: its 4xx statuses).
    private static void MapPlatform<TResponse>(IEndpointRouteBuilder routes, PlatformExchange exchange, string alias, string[] mirrors, string contentType, params string[] moreContentTypes)
    {
        foreach (var (path, mirror) in mirrors.Select(path => (path, true)).Append((alias, false)))
        {
            routes.MapPost(path, (HttpContext context, HostIdentities identities, AuthCodeService authCodes, Pseudonyms pseudonyms) =>
                    exchange(context, identities, authCodes, pseudonyms, mirror))
                .Accepts<IFormCollection>(contentType, moreContentTypes).Produces<TResponse>();
        }
    }

    // On a mirrored path every answer is HTTP 200, as on the platforms; on an alias, the alias's own status.
    private static int StatusOf(bool mirror, int aliasStatus) => mirror ? StatusCodes.Status200OK : aliasStatus;

    // An app of another platform is refused like an unknown one: each endpoint serves its own platform's apps.
    private static async ValueTask<HostApp?> AuthenticateAsync(HostIdentities identities, Platform platform, string? appId, string? secret, CancellationToken cancellationToken)
    {
        var app = await identities.AuthenticateAppAsync(appId, secret, cancellationToken).ConfigureAwait(false);
        return app?.Platform == platform ? app : null;
    }

    /// <summary>The user the code names when this attempt redeemed it; <see langword="null"/> for any unusable code. A login
    /// code and an anonymous code are not interchangeable (either used in the other's field is refused, and used up).</summary>
    private static async ValueTask<string?> RedeemAsync(AuthCodeService authCodes, string appId, string? code, bool anonymous, CancellationToken cancellationToken)
    {
        var redemption = await authCodes.RedeemAuthCodeAsync(appId, code, cancellationToken).ConfigureAwait(false);
        return redemption.Succeeded && redemption.Code!.Scopes.Contains(AnonymousLoginScope) == anonymous ? redemption.Code.Subject.UserId : null;
    }

    private static string? NonEmpty(Dictionary<string, StringValues> fields, string key) =>
        Single(fields, key) is { Length: > 0 } value ? value : null;

    /// <summary>The string members of a JSON object body (or a form body, when the content type is not JSON); a member
    /// that is not a string (a number, <c>null</c>, an object) is left out, a repeated one kept repeated so that
    /// <see cref="Single"/> refuses it. <see langword="null"/> for anything else: not an object, not valid JSON, not
    /// UTF-8, too large, cut short.</summary>
    private static async Task<Dictionary<string, StringValues>?> ReadJsonOrFormAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadFormAsync(context).ConfigureAwait(false);
        }

        var (bytes, length, problem) = await JsonBody.ReadBoundedAsync(context).ConfigureAwait(false);
        try
        {
            if (problem is not null)
            {
                return null;
            }

            using var document = JsonDocument.Parse(bytes.AsMemory(0, length));
            if (document.RootElement.ValueKind != JsonValueKind.Object || !JsonBody.Decodes(document.RootElement))
            {
                return null;
            }

            // A member that is not a string counts as present, so that repeating it makes the name ambiguous too.
            var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : string.Empty;
                fields[property.Name] = fields.TryGetValue(property.Name, out var seen) ? StringValues.Concat(seen, value) : new StringValues(value);
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String && fields[property.Name].Count == 1)
                {
                    fields.Remove(property.Name);
                }
            }

            return fields;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}

/// <summary>Lets every content type through routing to the exchange endpoints, which read the body themselves and answer
/// a body they cannot read with the platform's own invalid-parameter error: routing would otherwise refuse an
/// undocumented content type with a 415 problem document that no platform SDK understands. The documented types stay
/// first for the OpenAPI description.</summary>
internal sealed class AnyContentType(IAcceptsMetadata documented) : IAcceptsMetadata
{
    public IReadOnlyList<string> ContentTypes { get; } = [.. documented.ContentTypes, "*/*"];

    public Type? RequestType => documented.RequestType;

    public bool IsOptional => true;

    /// <summary>Adds, after each exchange endpoint's documented content types, one that matches any.</summary>
    public static void Apply(IEndpointConventionBuilder group) => group.Finally(endpoint =>
    {
        if (endpoint.Metadata.OfType<IAcceptsMetadata>().LastOrDefault() is { } accepts && !accepts.ContentTypes.Contains("*/*"))
        {
            endpoint.Metadata.Add(new AnyContentType(accepts));
        }
    });
}
