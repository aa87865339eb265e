namespace Uni.Authorize.Host;

/// <summary>
/// <c>Host:Demo</c>: whether this host is the demo, which signs people in by a bare name from this machine and seeds
/// the demo apps. Unset, it is on only for the SQLite store with no <c>Authentication:*</c> configured (the README's
/// first command on a fresh machine); a PostgreSQL or in-memory store, OpenID Connect or a JWT bearer turn it off
/// unless the setting says otherwise.
/// </summary>
internal static class DemoMode
{
    public const string Setting = "Host:Demo";

    public static bool IsOn(IConfiguration configuration, StoreSettings store)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(store);
        var value = configuration[Setting];
        if (!string.IsNullOrWhiteSpace(value))
        {
            return bool.TryParse(value.Trim(), out var on) ? on : throw new InvalidOperationException($"{Setting} is \"{value}\"; use true or false.");
        }

        return store.Provider == "Sqlite"
            && !configuration.GetSection("Authentication:OpenIdConnect").Exists()
            && !configuration.GetSection("Authentication:JwtBearer").Exists();
    }
}
