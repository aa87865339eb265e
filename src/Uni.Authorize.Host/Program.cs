using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Uni.Authorize.AspNetCore;
using Uni.Authorize.Host;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

var store = StoreSettings.From(builder.Configuration);
var adminKey = builder.Configuration["Host:AdminKey"] ?? (store.DataDirectory is { } dir ? AdminKeyFile(dir) : null);
var host = builder.Services.AddUniAuthorizeHost(
    o =>
    {
        // The demo signs people in by name, from this machine only unless Host:NameSignIn says otherwise.
        o.NameSignIn = NameSignInMode.LoopbackOnly;
        builder.Configuration.GetSection("Host").Bind(o);
        o.AdminKey = adminKey;
    },
    o => builder.Configuration.GetSection("Authorize").Bind(o));
builder.Services.AddOpenApi();
builder.Services.AddAntiforgery(static o =>
{
    o.HeaderName = "X-CSRF-TOKEN";
    o.Cookie.Name = ".Uni.Authorize.Antiforgery";
});
if (store.DataDirectory is { } keys)
{
    // Cookies and antiforgery tokens stay valid across restarts (and across instances sharing the directory).
    builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(keys, "keys"))).SetApplicationName("Uni.Authorize.Host");
}
store.Register(host);
var signIn = builder.AddHostSignIn();

var app = builder.Build();
var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.Host");
app.Use((context, next) => SafetyNet.InvokeAsync(context, next, logger));
app.UseRateLimiter();
app.MapUniAuthorize();
app.MapUniAuthorizeDemoPage();
app.MapHostSignIn();
app.MapOpenApi();
app.MapGet("/healthz", () => TypedResults.Json(new { status = "ok" })).WithTags("Host");

var seeded = store.DataDirectory is { } data && await DemoSeeder.SeedAsync(app.Services, data, CancellationToken.None);
app.Lifetime.ApplicationStarted.Register(() =>
{
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:5080";
    Console.WriteLine($"""

        Uni.Authorize host on {address}  ({store.Description})
          demo page      {address}/   (sign in as "{DemoSeeder.DemoUser}", pick a platform and a scope, press authorize)
          HTTP API       {address}/openapi/v1.json   and docs/http-api.md
          health         {address}/healthz
          sign-in        {signIn.Describe(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<UniAuthorizeHostOptions>>().Value.NameSignIn)}
        """);
    if (store.DataDirectory is { } directory)
    {
        Console.WriteLine($"  demo app secrets  {Path.GetFullPath(Path.Combine(directory, "demo-apps.json"))}{(seeded ? "  (created now)" : string.Empty)}");
        Console.WriteLine($"  admin key         {Path.GetFullPath(Path.Combine(directory, "admin.key"))}  (send as X-Admin-Key)");
    }

    Console.WriteLine();
});

await app.RunAsync();

static string AdminKeyFile(string directory)
{
    var file = Path.Combine(directory, "admin.key");
    if (!File.Exists(file))
    {
        File.WriteAllText(file, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        DemoSeeder.RestrictToOwner(file);
    }

    return File.ReadAllText(file).Trim();
}

/// <summary>The entry point, visible to in-process tests.</summary>
public partial class Program;
