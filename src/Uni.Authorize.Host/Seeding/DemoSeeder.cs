using System.Text.Json;
using Uni.Authorize.AspNetCore;

namespace Uni.Authorize.Host;

/// <summary>On first start: one demo app per platform and a demo user, so the demo page works at once. The app secrets
/// go to a file only the owner can read, never to the console or the logs.</summary>
internal static class DemoSeeder
{
    public const string DemoUser = "demo";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<bool> SeedAsync(IServiceProvider services, string dataDirectory, CancellationToken cancellationToken)
    {
        var identities = services.GetRequiredService<HostIdentities>();
        if ((await identities.Store.ListAppsAsync(cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return false;
        }

        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (platform, name) in new[]
                 {
                     (Platform.WeChat, "Demo mini-program (WeChat)"), (Platform.Alipay, "Demo mini-app (Alipay)"),
                     (Platform.ByteDance, "Demo micro-app (ByteDance)"), (Platform.Baidu, "Demo smart program (Baidu)"),
                     (Platform.Kuaishou, "Demo mini-program (Kuaishou)"),
                 })
        {
            if (await identities.CreateAppAsync("demo-" + PlatformNames.Of(platform), name, platform, iconLetter: null, cancellationToken).ConfigureAwait(false) is { } created)
            {
                secrets[created.App.Id] = created.Secret;
            }
        }

        await identities.SignInAsync(DemoUser, cancellationToken).ConfigureAwait(false);
        var file = Path.Combine(dataDirectory, "demo-apps.json");
        await DataFolder.WriteOwnerOnlyAsync(file, JsonSerializer.Serialize(secrets, Indented), cancellationToken).ConfigureAwait(false);
        return true;
    }
}
