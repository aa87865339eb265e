using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Uni.Authorize.AspNetCore;
using Uni.Authorize.Host;

// A configuration mistake found before the host is up is one line naming the setting on stderr, and exit code 2.
var started = false;
try
{
    var builder = WebApplication.CreateBuilder(args);
    if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
    {
        builder.WebHost.UseUrls("http://127.0.0.1:5080");
    }

    // A request line carries its query string, and with it any secret a caller put there by mistake: hosting's
    // "Request starting/finished" lines are not written, whatever the content root (appsettings.json is not read when
    // the host starts from another folder); Logging:LogLevel cannot turn them back on. Errors are still logged.
    builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

    var store = StoreSettings.From(builder.Configuration);
    var adminKey = builder.Configuration["Host:AdminKey"] ?? (store.DataDirectory is { } dir ? AdminKeyFile(dir) : null);
    var demo = DemoMode.IsOn(builder.Configuration, store);
    var proxy = ProxySettings.From(builder.Configuration);
    // The demo signs people in by name, from this machine only; otherwise nobody does unless Host:NameSignIn says so
    // (bound below, it wins). The console's operator signs in by giving the admin key once (the page keeps a cookie,
    // never the key).
    builder.Services.Configure<UniAuthorizeHostOptions>(o =>
    {
        o.NameSignIn = demo ? NameSignInMode.LoopbackOnly : NameSignInMode.Off;
        o.OperatorKeySignIn = true;
    });
    if (proxy is not null)
    {
        builder.Services.Configure<ForwardedHeadersOptions>(proxy.Apply);
    }

    builder.Services.AddUniAuthorize(builder.Configuration.GetSection("Authorize"));
    var host = builder.Services.AddUniAuthorizeHost(builder.Configuration.GetSection("Host"));
    builder.Services.PostConfigure<UniAuthorizeHostOptions>(o => o.AdminKey = adminKey);
    host.AddHousekeeping(builder.Configuration.GetSection("Housekeeping"));
    host.AddWebhooks(builder.Configuration.GetSection("Webhooks"));
    host.AddAccessReport(builder.Configuration.GetSection("AccessReport"));
    host.AddCodeExchange(builder.Configuration.GetSection("Exchange"));
    // The document describes each GET once: its HEAD twin is left out.
    builder.Services.AddOpenApi(static o =>
    {
        var include = o.ShouldInclude;
        o.ShouldInclude = description => !HttpMethods.IsHead(description.HttpMethod ?? string.Empty) && include(description);
    });
    builder.Services.AddAntiforgery(static o =>
    {
        o.HeaderName = "X-CSRF-TOKEN";
        o.Cookie.Name = ".Uni.Authorize.Antiforgery";
    });
    HostDataProtection.Add(builder, store);

    store.Register(host);
    // Before seeding: hosted services start in order, and the identities of an earlier version come first.
    builder.Services.AddHostedService(sp => new LegacyIdentityImport(store, sp));
    var signIn = builder.AddHostSignIn();
    builder.Services.AddHealthChecks().AddUniAuthorizeChecks();
    // Demo apps only for the demo: never into a store the operator named for real use.
    if (demo && store.DataDirectory is { } seedDirectory)
    {
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<DemoSeeding>(sp, seedDirectory));
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<DemoSeeding>());
    }

    var telemetry = OpenTelemetrySetup.AddIfConfigured(builder);

    var app = builder.Build();
    // Options validated on start fail here, before the host logs its own report with a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
    var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Uni.Authorize.Host");
    if (store.DataDirectory is { } dataFolder)
    {
        // On every start, before any store opens a file: owner-only, with a warning for what an earlier run left wider.
        DataFolder.Restrict(dataFolder, logger);
    }

    if (proxy is not null)
    {
        // First: everything after it (cookies' Secure flag, the OpenID Connect redirect URI, the rate limits' client
        // address) sees the client's scheme and address as the trusted proxy reported them.
        app.UseForwardedHeaders();
    }

    app.Use((context, next) => SafetyNet.InvokeAsync(context, next, logger));
    // The mini-app API answers its sandbox and the listed mini-app origins, never with credentials; a preflight carries
    // no token, so CORS answers it before authorization would refuse it.
    app.UseCors();
    app.UseAuthorization();
    app.MapUniAuthorize();
    app.MapUniAuthorizeDemoPage();
    app.MapHostSignIn();
    app.MapOpenApi().AnswerHeadLikeGet();
    HealthProbes.Map(app);

    app.Lifetime.ApplicationStarted.Register(() =>
    {
        started = true;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://127.0.0.1:5080";
        var demoLine = demo
            ? $"{address}/   (sign in as \"{DemoSeeder.DemoUser}\", pick a platform and a scope, press authorize)"
            : $"off   ({DemoMode.Setting}=true turns it on: name sign-in from this machine, demo apps)";
        Console.WriteLine($"""

            Uni.Authorize host on {address}  ({store.Description})
              demo           {demoLine}
              console        {address}/console   (operators: the admin key, once)   your data  {address}/my-data
              HTTP API       {address}/openapi/v1.json   and docs/http-api.md
              health         {address}{HealthProbes.LivenessPath}   readiness {address}{HealthProbes.ReadinessPath}
              sign-in        {signIn.Describe(app.Services.GetRequiredService<IOptions<UniAuthorizeHostOptions>>().Value.NameSignIn)}
              proxy          {(proxy is null ? "no forwarded headers read (Host:ForwardedHeaders names the proxies to believe)" : "forwarded " + proxy.Description)}
            """);
        if (app.Services.GetService<DemoSeeding>() is { } seeding)
        {
            var state = seeding.CreatedNow ? "  (created now)" : seeding.Done ? string.Empty : "  (not yet: the store is not reachable, retrying)";
            Console.WriteLine($"  demo app secrets  {Path.GetFullPath(Path.Combine(store.DataDirectory!, "demo-apps.json"))}{state}");
        }

        if (store.DataDirectory is { } directory && builder.Configuration["Host:AdminKey"] is null)
        {
            Console.WriteLine($"  admin key         {Path.GetFullPath(Path.Combine(directory, "admin.key"))}  (send as X-Admin-Key)");
        }

        if (telemetry)
        {
            Console.WriteLine($"  telemetry         OTLP to {app.Configuration[OpenTelemetrySetup.EndpointSetting]}");
        }

        Console.WriteLine();
    });

    await app.RunAsync();
    return 0;
}
// Only when this program is the process: a test host running it in process gets the exception itself.
catch (Exception ex) when (!started && Assembly.GetEntryAssembly() == typeof(Program).Assembly && StartupErrors.Describe(ex) is { } message)
{
    await Console.Error.WriteLineAsync("Uni.Authorize host: configuration error: " + message);
    return 2;
}

static string AdminKeyFile(string directory)
{
    var file = Path.Combine(directory, "admin.key");
    if (!File.Exists(file))
    {
        DataFolder.WriteOwnerOnlyAsync(file, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)), CancellationToken.None).GetAwaiter().GetResult();
    }

    return File.ReadAllText(file).Trim();
}

/// <summary>The entry point, visible to in-process tests.</summary>
public partial class Program;
