using System.Collections.Frozen;
using System.Text.Json;

namespace Uni.Authorize;

/// <summary>Reads the declaration fields of an <c>app.json</c> fragment: <c>permission</c> (every platform; WeChat's shape)
/// and <c>requiredPrivateInfos</c> (WeChat only). Other fields of <c>app.json</c> are ignored.</summary>
internal static class ManifestDocument
{
    /// <summary>The longest purpose text accepted.</summary>
    public const int MaxDescriptionLength = 200;

    // WeChat's app.json reference: the APIs that must be listed in requiredPrivateInfos (since 2022-07-14).
    public static readonly FrozenSet<string> WeChatPrivateInfos = FrozenSet.ToFrozenSet(
        ["getFuzzyLocation", "getLocation", "onLocationChange", "startLocationUpdate", "startLocationUpdateBackground",
         "chooseLocation", "choosePoi", "chooseAddress"], StringComparer.Ordinal);

    /// <summary>Builds the manifest that follows <paramref name="previous"/>: a purpose whose text is unchanged keeps its
    /// version, a new or changed one takes the new manifest's.</summary>
    /// <exception cref="ArgumentException">The fragment is malformed; the message names the field.</exception>
    public static AppManifest Next(string appId, Platform platform, JsonElement appJson, AppManifest? previous, DateTimeOffset at)
    {
        if (appJson.ValueKind != JsonValueKind.Object)
        {
            throw Bad("The body is the app.json fragment: a JSON object with 'permission' and, on WeChat, 'requiredPrivateInfos'.");
        }

        var version = (previous?.Version ?? 0) + 1;
        var purposes = new Dictionary<string, DeclaredPurpose>(StringComparer.Ordinal);
        var infos = new List<string>();
        foreach (var field in appJson.EnumerateObject())
        {
            switch (field.Name)
            {
                case "permission":
                    ReadPermission(platform, field.Value, previous, version, purposes);
                    break;
                case "requiredPrivateInfos":
                    ReadPrivateInfos(platform, field.Value, infos);
                    break;
            }
        }

        return new AppManifest(appId, version, purposes.ToFrozenDictionary(StringComparer.Ordinal), [.. infos], at);
    }

    private static void ReadPermission(Platform platform, JsonElement permission, AppManifest? previous, long version, Dictionary<string, DeclaredPurpose> purposes)
    {
        if (permission.ValueKind != JsonValueKind.Object)
        {
            throw Bad("'permission' is an object keyed by scope: {\"scope.userLocation\": {\"desc\": \"…\"}}.");
        }

        foreach (var entry in permission.EnumerateObject())
        {
            if (!ScopeCatalog.IsWellFormed(entry.Name))
            {
                throw Bad($"'permission' has a key that is not a scope name (1 to {ScopeCatalog.MaxScopeLength} characters, without control characters).");
            }

            if (!ScopeCatalog.TryResolve(platform, entry.Name, out ResolvedScope scope))
            {
                throw Bad($"'permission' names \"{entry.Name}\", which is not a scope on {platform}.");
            }

            if (entry.Value.ValueKind != JsonValueKind.Object
                || !entry.Value.TryGetProperty("desc", out var desc)
                || desc.ValueKind != JsonValueKind.String
                || entry.Value.EnumerateObject().Count() != 1)
            {
                throw Bad($"'permission.{entry.Name}' is an object with one string field, 'desc'.");
            }

            var text = desc.GetString()!;
            if (string.IsNullOrWhiteSpace(text) || text.Length > MaxDescriptionLength || text.Any(char.IsControl))
            {
                throw Bad($"'permission.{entry.Name}.desc' is 1 to {MaxDescriptionLength} characters, not blank, without control characters.");
            }

            var name = scope.Scope.Name;
            var kept = previous is not null && previous.Purposes.TryGetValue(name, out var old) && old.Description == text ? old.Version : version;
            if (!purposes.TryAdd(name, new DeclaredPurpose(text, kept)))
            {
                throw Bad($"'permission' declares {name} twice.");
            }
        }
    }

    private static void ReadPrivateInfos(Platform platform, JsonElement list, List<string> infos)
    {
        if (platform != Platform.WeChat)
        {
            throw Bad($"'requiredPrivateInfos' is WeChat's; {platform} apps declare their scopes in 'permission' only.");
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Bad("'requiredPrivateInfos' is an array of API names: [\"getLocation\", \"chooseAddress\"].");
        }

        foreach (var item in list.EnumerateArray())
        {
            var api = item.ValueKind == JsonValueKind.String ? item.GetString()! : null;
            if (api is null || !WeChatPrivateInfos.Contains(api))
            {
                throw Bad($"'requiredPrivateInfos' lists only these APIs: {string.Join(", ", WeChatPrivateInfos.Order(StringComparer.Ordinal))}.");
            }

            if (infos.Contains(api))
            {
                throw Bad($"'requiredPrivateInfos' lists {api} twice.");
            }

            infos.Add(api);
        }

        // WeChat's requiredPrivateInfos reference: getLocation and getFuzzyLocation exclude each other (an app asks
        // for the precise or the approximate location, never both).
        if (infos.Contains("getLocation") && infos.Contains("getFuzzyLocation"))
        {
            throw Bad("'requiredPrivateInfos' cannot list both getLocation and getFuzzyLocation: WeChat allows one of the two.");
        }
    }

    private static ArgumentException Bad(string message) => new(message);
}
