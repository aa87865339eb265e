using System.Security.Claims;

namespace Uni.Authorize.AspNetCore;

/// <summary>When a person may sign in to the user API with a bare name (the demo's sign-in).</summary>
public enum NameSignInMode
{
    /// <summary>Never: users come from the application's own authentication. The default.</summary>
    Off = 0,

    /// <summary>Only from a loopback address (a demo on one machine).</summary>
    LoopbackOnly = 1,

    /// <summary>From anywhere: anyone can be anyone. Only for demos on a closed network.</summary>
    Anywhere = 2,
}

/// <summary>Configures the host's HTTP API.</summary>
public sealed class UniAuthorizeHostOptions
{
    /// <summary>The cookie scheme the library registers for its name-only demo sign-in.</summary>
    public const string NameSignInScheme = "Uni.Authorize.User";

    /// <summary>The authentication scheme whose principal is the user of the user API and the pages (an application's
    /// cookie or OpenID Connect cookie, a JWT bearer scheme…). <see langword="null"/>: the request's user as the
    /// application's own pipeline authenticated it. Default: <see cref="NameSignInScheme"/>.</summary>
    public string? UserAuthenticationScheme { get; set; } = NameSignInScheme;

    /// <summary>The claim holding the stable user id. Default: <see cref="ClaimTypes.NameIdentifier"/>.</summary>
    public string UserIdClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>The claim holding the name the pages show. Default: <see cref="ClaimTypes.Name"/>.</summary>
    public string UserNameClaimType { get; set; } = ClaimTypes.Name;

    /// <summary>Whether <c>POST /api/v1/user/sign-in</c> signs a person in by a bare name. Default: <see cref="NameSignInMode.Off"/>.</summary>
    public NameSignInMode NameSignIn { get; set; } = NameSignInMode.Off;

    /// <summary>Where the pages send a person who is not signed in (the application's login, for example
    /// <c>/account/login</c>; the page's address is appended as <c>?returnUrl=</c>). Unset: the pages offer name sign-in only.</summary>
    public string? SignInUrl { get; set; }

    /// <summary>The key the admin API expects in <c>X-Admin-Key</c>. Unset: the admin API refuses every call.</summary>
    public string? AdminKey { get; set; }

    /// <summary>The authorization policy (registered with <c>AddAuthorization</c>) that an operator signed in through the
    /// application's own authentication must satisfy to use the admin API and the console, for example one requiring an
    /// operator role. <c>X-Admin-Key</c> is still accepted when <see cref="AdminKey"/> is set. Unset: only the admin key.</summary>
    public string? OperatorPolicy { get; set; }

    /// <summary>The cookie scheme the library registers for operators signed in with <see cref="OperatorKeySignIn"/>.</summary>
    public const string OperatorScheme = "Uni.Authorize.Operator";

    /// <summary>The role of an operator signed in with <see cref="OperatorKeySignIn"/>.</summary>
    public const string OperatorRole = "operator";

    /// <summary>Whether <c>POST /admin/v1/sign-in</c> exchanges the admin key (form field <c>key</c>) for an operator
    /// cookie (scheme <see cref="OperatorScheme"/>, role <see cref="OperatorRole"/>) that the console then uses, so the
    /// page never keeps the key. Used when <see cref="OperatorPolicy"/> is unset. Default: off.</summary>
    public bool OperatorKeySignIn { get; set; }

    /// <summary>The operator's console page. Default: <c>/console</c>.</summary>
    public string ConsolePagePath { get; set; } = "/console";

    /// <summary>The user's data page (every app's decisions and history, download, withdraw, erase). Default: <c>/my-data</c>.</summary>
    public string DataPagePath { get; set; } = "/my-data";

    /// <summary>The sandbox document that runs mini-app code: served with <c>Content-Security-Policy: sandbox allow-scripts</c>,
    /// so its origin is opaque and carries none of the user's authority (no cookies, no user API). Pages of the host frame
    /// it and start the mini-app's scripts there. Default: <c>/mini-app/sandbox</c>.</summary>
    public string MiniAppSandboxPath { get; set; } = "/mini-app/sandbox";

    /// <summary>Origins (<c>https://apps.example.com</c>) that serve mini-app code of their own: the mini-app API and the
    /// bridge answer them CORS without credentials, and the sandbox may load scripts from and connect to them. The
    /// sandbox's own opaque origin (<c>null</c>) is always allowed; the user API and the pages never answer CORS.
    /// Configuration: <c>Host:MiniAppOrigins:0</c>, …</summary>
    public IList<string> MiniAppOrigins { get; } = [];

    /// <summary>How long a mini-app session lasts unless the admin asks for less. Default: 24 hours.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a looked-up session is trusted without asking the store again. A revocation reaches every
    /// instance sharing the consent store at once; while its change feed is down, sessions are not cached. Default: 30 seconds.</summary>
    public TimeSpan SessionCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest a single long-polling request waits for a pending consent. Default: 30 seconds.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the answer of a finished pending call, and of an answered consent, stays readable: a client
    /// that retries a request whose response was lost gets the first answer within it. Default: 2 minutes.</summary>
    public TimeSpan CallRetention { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Code exchanges allowed per app and client address and window, on each instance: one app's server, or
    /// one client, cannot spend another's. Default: 60.</summary>
    public int ExchangePermitLimit { get; set; } = 60;

    /// <summary>The window of <see cref="ExchangePermitLimit"/>. Default: 1 minute.</summary>
    public TimeSpan ExchangeWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Wrong admin keys (<c>X-Admin-Key</c> or the operator's sign-in) allowed per client address and window,
    /// on each instance; past it every admin-key call from that address is <c>429</c> until the window ends. Default: 10.</summary>
    public int AdminKeyFailureLimit { get; set; } = 10;

    /// <summary>The window of <see cref="AdminKeyFailureLimit"/>. Default: 5 minutes.</summary>
    public TimeSpan AdminKeyFailureWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Calls waiting for a consent that one instance computes at a time. Default: 10,000.</summary>
    public int MaxPendingCalls { get; set; } = 10_000;

    /// <summary>Calls waiting for a consent per user, on each instance, so that one user's sessions cannot fill
    /// <see cref="MaxPendingCalls"/>. Default: 50.</summary>
    public int MaxPendingCallsPerUser { get; set; } = 50;

    /// <summary>Calls waiting for a consent per mini-app session, on each instance. Default: 10.</summary>
    public int MaxPendingCallsPerSession { get; set; } = 10;

    /// <summary>The page where the signed-in user answers consents. Default: <c>/consent</c>.</summary>
    public string ConsentPagePath { get; set; } = "/consent";

    /// <summary>The settings page; the app id is appended as <c>?app=</c>. Default: <c>/settings</c>.</summary>
    public string SettingsPagePath { get; set; } = "/settings";

    /// <summary>The largest JSON or form body accepted. Default: 16 KiB.</summary>
    public int MaxRequestBodyBytes { get; set; } = 16 * 1024;

    /// <summary>The privacy contracts of WeChat apps, by app id (configuration: <c>Host:PrivacyContracts:{appId}:Name</c>
    /// and <c>:Url</c>). An app listed here needs the user's agreement before its personal-data scopes.</summary>
    public IDictionary<string, PrivacyContract> PrivacyContracts { get; } = new Dictionary<string, PrivacyContract>(StringComparer.Ordinal);
}

internal sealed class UniAuthorizeHostOptionsValidator(string prefix = "UniAuthorizeHostOptions.") : OptionsValidator<UniAuthorizeHostOptions>(prefix)
{
    public static UniAuthorizeHostOptionsValidator Code { get; } = new();

    protected override void Check(UniAuthorizeHostOptions o, List<string> failures)
    {
        Positive(o.SessionLifetime, nameof(o.SessionLifetime), failures);
        Positive(o.SessionCacheDuration, nameof(o.SessionCacheDuration), failures);
        Positive(o.MaxWait, nameof(o.MaxWait), failures);
        Positive(o.CallRetention, nameof(o.CallRetention), failures);
        Positive(o.ExchangeWindow, nameof(o.ExchangeWindow), failures);
        Fail(o.ExchangePermitLimit <= 0, $"{Prefix}ExchangePermitLimit must be positive; it is {o.ExchangePermitLimit}.", failures);
        Fail(o.AdminKeyFailureLimit <= 0, $"{Prefix}AdminKeyFailureLimit must be positive; it is {o.AdminKeyFailureLimit}.", failures);
        Positive(o.AdminKeyFailureWindow, nameof(o.AdminKeyFailureWindow), failures);
        Fail(o.MaxPendingCalls <= 0, $"{Prefix}MaxPendingCalls must be positive; it is {o.MaxPendingCalls}.", failures);
        Fail(o.MaxPendingCallsPerUser <= 0, $"{Prefix}MaxPendingCallsPerUser must be positive; it is {o.MaxPendingCallsPerUser}.", failures);
        Fail(o.MaxPendingCallsPerSession <= 0, $"{Prefix}MaxPendingCallsPerSession must be positive; it is {o.MaxPendingCallsPerSession}.", failures);
        Fail(o.MaxRequestBodyBytes <= 0, $"{Prefix}MaxRequestBodyBytes must be positive; it is {o.MaxRequestBodyBytes}.", failures);
        Fail(o.AdminKey is { Length: < 16 }, $"{Prefix}AdminKey must be at least 16 characters (or unset to disable the admin API).", failures);
        foreach (var (appId, contract) in o.PrivacyContracts)
        {
            if (string.IsNullOrWhiteSpace(contract.Name) || string.IsNullOrWhiteSpace(contract.Url))
            {
                failures.Add($"{Prefix}PrivacyContracts[{appId}] needs a Name and a Url.");
            }
            else if (!PrivacyContract.IsValidUrl(contract.Url))
            {
                failures.Add($"{Prefix}PrivacyContracts[{appId}].Url must be {LocalUrl.Rule}.");
            }
        }

        Fail(string.IsNullOrWhiteSpace(o.UserIdClaimType), $"{Prefix}UserIdClaimType must name a claim type.", failures);
        Fail(string.IsNullOrWhiteSpace(o.UserNameClaimType), $"{Prefix}UserNameClaimType must name a claim type.", failures);
        Fail(!Enum.IsDefined(o.NameSignIn), $"{Prefix}NameSignIn is {o.NameSignIn}; use Off, LoopbackOnly or Anywhere.", failures);
        Fail(o.SignInUrl is { } signIn && !LocalUrl.IsLocalPath(signIn), $"{Prefix}SignInUrl must be {LocalUrl.Rule}.", failures);
        foreach (var (path, name) in new[] { (o.ConsentPagePath, nameof(o.ConsentPagePath)), (o.SettingsPagePath, nameof(o.SettingsPagePath)), (o.ConsolePagePath, nameof(o.ConsolePagePath)), (o.DataPagePath, nameof(o.DataPagePath)), (o.MiniAppSandboxPath, nameof(o.MiniAppSandboxPath)) })
        {
            Fail(path is null || !path.StartsWith('/'), $"{Prefix}{name} must start with '/'.", failures);
        }

        for (var i = 0; i < o.MiniAppOrigins.Count; i++)
        {
            Fail(!MiniAppCors.IsOrigin(o.MiniAppOrigins[i]),
                $"{Prefix}MiniAppOrigins[{i}] must be an http(s) origin such as https://apps.example.com (scheme, host and port only); it is '{o.MiniAppOrigins[i]}'.", failures);
        }

        Fail(o.OperatorPolicy is { } policy && string.IsNullOrWhiteSpace(policy), $"{Prefix}OperatorPolicy must name an authorization policy (or be unset).", failures);
    }

    private static void Fail(bool failed, string message, List<string> failures)
    {
        if (failed)
        {
            failures.Add(message);
        }
    }
}
