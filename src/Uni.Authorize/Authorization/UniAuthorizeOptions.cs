using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize;

/// <summary>Configures an <see cref="Authorizer"/>. With dependency injection, services left unset here are taken from the container.</summary>
public sealed class UniAuthorizeOptions
{
    /// <summary>The platform whose rules apply when a call names none. Default: WeChat.</summary>
    public Platform Platform { get; set; } = Platform.WeChat;

    /// <summary>The subject of calls that name none (a single-user app).</summary>
    public Subject DefaultSubject { get; set; } = Subject.Default;

    /// <summary>Shows the consent dialog. Without one (and none registered in the container), undetermined scopes fail as
    /// <see cref="AuthorizeErrorCode.PromptFailed"/> with a message naming the missing <see cref="IAuthorizationPrompter"/>.</summary>
    public IAuthorizationPrompter? Prompter { get; set; }

    /// <summary>Shows the settings page for <see cref="Authorizer.OpenSettingAsync"/>.</summary>
    public ISettingsPresenter? SettingsPresenter { get; set; }

    /// <summary>Where decisions live. Default: a new <see cref="InMemoryDecisionStore"/>.</summary>
    public IDecisionStore? Store { get; set; }

    /// <summary>Where auth codes live. Default: a new <see cref="InMemoryAuthCodeStore"/>.</summary>
    public IAuthCodeStore? AuthCodeStore { get; set; }

    /// <summary>Where apps' manifests (declared purposes) live. Default: the container's <see cref="IAppManifestStore"/>,
    /// else none: no call is checked against declarations.</summary>
    public IAppManifestStore? ManifestStore { get; set; }

    /// <summary>When <see langword="true"/>, an app without a manifest may not call any gated scope or API (as if it
    /// declared nothing). Default: <see langword="false"/>: only apps with a manifest are checked.</summary>
    public bool RequireDeclarations { get; set; }

    /// <summary>How long a manifest read from the store is trusted before it is read again; a change made through
    /// <see cref="DecisionManager.SetManifestAsync"/> counts at once on its own instance. Default: 30 seconds.</summary>
    public TimeSpan ManifestCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>How long a dialog may stay unanswered before the call fails closed. Default: 2 minutes.</summary>
    public TimeSpan PromptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an auth code can be redeemed. Default: 5 minutes.</summary>
    public TimeSpan AuthCodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>When set, a grant made in a dialog expires after this long and is asked again.</summary>
    public TimeSpan? GrantLifetime { get; set; }

    /// <summary>When set, a denial made in a dialog expires after this long and is asked again.</summary>
    public TimeSpan? DenialLifetime { get; set; }

    /// <summary>Logging. Default: none.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Creates the <c>Uni.Authorize</c> meter. Default: a meter of its own.</summary>
    public IMeterFactory? MeterFactory { get; set; }
}

/// <summary>The rules of <see cref="UniAuthorizeOptions"/>, for the container and for <see cref="Authorizer"/> built by hand.</summary>
internal sealed class UniAuthorizeOptionsValidator(string prefix = "UniAuthorizeOptions.") : OptionsValidator<UniAuthorizeOptions>(prefix)
{
    public static UniAuthorizeOptionsValidator Code { get; } = new();

    protected override void Check(UniAuthorizeOptions options, List<string> failures)
    {
        if (!Enum.IsDefined(options.Platform))
        {
            failures.Add($"{Prefix}Platform has the unknown value {(int)options.Platform}.");
        }

        if (!options.DefaultSubject.IsValid)
        {
            failures.Add($"{Prefix}DefaultSubject needs an app id and a user id of 1 to {Subject.MaxIdLength} characters without control characters.");
        }

        Positive(options.PromptTimeout, nameof(options.PromptTimeout), failures);
        Positive(options.AuthCodeLifetime, nameof(options.AuthCodeLifetime), failures);
        Positive(options.ManifestCacheDuration, nameof(options.ManifestCacheDuration), failures);
        if (options.GrantLifetime is { } grant)
        {
            Positive(grant, nameof(options.GrantLifetime), failures);
        }

        if (options.DenialLifetime is { } denial)
        {
            Positive(denial, nameof(options.DenialLifetime), failures);
        }
    }
}
