using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Uni.Authorize.AspNetCore;

/// <summary>The admin API of an app's manifest: its <c>app.json</c> declarations (<c>permission</c>,
/// <c>requiredPrivateInfos</c>), versioned. Mapped inside the admin group, behind its key check.</summary>
internal static class ManifestAdminEndpoints
{
    public static void Map(IEndpointRouteBuilder group)
    {
        group.MapGet("/apps/{appId}/manifest", GetAsync).Produces<ManifestInfo>();
        group.MapPut("/apps/{appId}/manifest", PutAsync).Accepts<JsonElement>("application/json").Produces<ManifestInfo>();
    }

    private static async Task<IResult> GetAsync(HttpContext context, string appId, HostIdentities identities, DecisionManager decisions)
    {
        if (await AppAsync(appId, identities, context.RequestAborted).ConfigureAwait(false) is null)
        {
            return AppNotFound();
        }

        return await decisions.GetManifestAsync(appId, context.RequestAborted).ConfigureAwait(false) is { } manifest
            ? Info(manifest)
            : Problems.NotFound("manifest_not_found", $"The app '{appId}' has registered no manifest.");
    }

    private static async Task<IResult> PutAsync(HttpContext context, string appId, HostIdentities identities, DecisionManager decisions)
    {
        if (await AppAsync(appId, identities, context.RequestAborted).ConfigureAwait(false) is not { } app)
        {
            return AppNotFound();
        }

        var (body, problem) = await JsonBody.ReadElementAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        AppManifest manifest;
        try
        {
            manifest = await decisions.SetManifestAsync(appId, app.Platform, body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return Problems.BadRequest("invalid_manifest", ex.Message);
        }

        return Info(manifest);
    }

    private static async ValueTask<HostApp?> AppAsync(string appId, HostIdentities identities, CancellationToken cancellationToken) =>
        HostIdentities.IsValidAppId(appId) ? await identities.Store.GetAppAsync(appId, cancellationToken).ConfigureAwait(false) : null;

    private static IResult AppNotFound() => Problems.NotFound("app_not_found", "No app has this id.");

    private static IResult Info(AppManifest manifest) => TypedResults.Json(
        new ManifestInfo(manifest.AppId, manifest.Version, manifest.UpdatedAt,
            manifest.Purposes.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => new PurposeInfo(p.Value.Description, p.Value.Version), StringComparer.Ordinal),
            manifest.RequiredPrivateInfos),
        ManifestJson.Default.ManifestInfo);
}

/// <summary>An app's manifest as the admin API shows it: <see cref="Permission"/> in app.json's shape (canonical scope
/// names), each purpose with the manifest version its text dates from.</summary>
internal sealed record ManifestInfo(
    string AppId, long Version, DateTimeOffset UpdatedAt, IReadOnlyDictionary<string, PurposeInfo> Permission, IReadOnlyList<string> RequiredPrivateInfos);

internal sealed record PurposeInfo(string Desc, long Version);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ManifestInfo))]
internal sealed partial class ManifestJson : JsonSerializerContext;
