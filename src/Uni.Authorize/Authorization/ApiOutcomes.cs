using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>Cached API-level payloads (<c>getLocation:ok</c>, <c>getLocation:fail auth deny</c>); bounded by the catalog's APIs.</summary>
internal static class ApiOutcomes
{
    private static readonly ConcurrentDictionary<(Platform, string), AuthorizeResult> GrantedByApi = new();
    private static readonly ConcurrentDictionary<(Platform, string), AuthorizeError> DeniedByApi = new();

    public static AuthorizeResult Granted(Platform platform, string api, ResolvedScope scope) =>
        GrantedByApi.GetOrAdd((platform, api), static (key, scope) =>
            NativePayloads.Success(key.Item1, key.Item2, [scope], null, NativePayloads.NoErrorScopes), scope);

    public static AuthorizeResult Open(Platform platform, string api) =>
        GrantedByApi.GetOrAdd((platform, api), static key => NativePayloads.Success(key.Item1, key.Item2, [], null, NativePayloads.NoErrorScopes));

    public static AuthorizeError Denied(Platform platform, string api, ResolvedScope scope) =>
        DeniedByApi.GetOrAdd((platform, api), static (key, scope) => ResolvedScope.DeniedError(key.Item1, ErrorName(key.Item1, key.Item2), scope), scope);

    // WeChat words every failure of its recorder manager as the one internal call behind it.
    private static string ErrorName(Platform platform, string api) =>
        platform == Platform.WeChat && api == "RecorderManager.start" ? "operateRecorder" : api;
}
