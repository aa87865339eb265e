namespace Uni.Authorize;

public sealed partial class Authorizer
{
    /// <summary>The decided scopes as the platform shows them (<c>getSetting</c>).</summary>
    /// <exception cref="AuthorizeException">The subject is invalid or the store is unavailable.</exception>
    public ValueTask<AuthSettings> GetSettingAsync(Subject? subject = null, Platform? platform = null, CancellationToken cancellationToken = default) =>
        ReadSettingsAsync(subject ?? _defaultSubject, platform ?? Platform, "getSetting", cancellationToken);

    /// <summary>Shows the settings page, applies the user's changes, and returns the new settings (<c>openSetting</c>).
    /// A change takes effect for the very next call.</summary>
    /// <exception cref="InvalidOperationException">No <see cref="ISettingsPresenter"/> is configured.</exception>
    /// <exception cref="AuthorizeException">The subject is invalid, a change names an unknown scope, or the store is unavailable.</exception>
    public async ValueTask<AuthSettings> OpenSettingAsync(Subject? subject = null, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        const string Api = "openSetting";
        cancellationToken.ThrowIfCancellationRequested();
        var presenter = _settingsPresenter ?? throw new InvalidOperationException(
            "OpenSettingAsync needs a settings page: set UniAuthorizeOptions.SettingsPresenter or register an ISettingsPresenter.");
        var who = subject ?? _defaultSubject;
        var target = platform ?? Platform;
        EnsureSettingsRequest(who, target, Api);
        var view = new SettingsView(who, target, await SettingsEntriesAsync(who, target, Api, cancellationToken).ConfigureAwait(false));
        var changes = await presenter.PresentAsync(view, cancellationToken).ConfigureAwait(false) ?? [];
        foreach (var change in changes)
        {
            if (ResolveSettingScope(target, change.Scope) is null || !Enum.IsDefined(change.State))
            {
                throw new AuthorizeException(NativePayloads.Failure(target, Api, AuthorizeErrorCode.InvalidScope,
                    $"The settings page returned a change for \"{change.Scope}\" ({change.State}), which is not a scope on {target}."));
            }
        }

        foreach (var change in changes)
        {
            await _decisions.SetDecisionAsync(who, change.Scope, change.State, DecisionSource.Settings, target, cancellationToken).ConfigureAwait(false);
        }

        return await ReadSettingsAsync(who, target, Api, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The switches of the settings page: every scope of the platform the subject was asked for, and the
    /// settings-only scopes (the only place the user can enable them).</summary>
    public async ValueTask<IReadOnlyList<SettingsEntry>> GetSettingsEntriesAsync(Subject? subject = null, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        var who = subject ?? _defaultSubject;
        var target = platform ?? Platform;
        EnsureSettingsRequest(who, target, "openSetting");
        return await SettingsEntriesAsync(who, target, "openSetting", cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<IReadOnlyList<SettingsEntry>> SettingsEntriesAsync(Subject subject, Platform platform, string api, CancellationToken cancellationToken)
    {
        var decisions = await ListOrThrowAsync(subject, platform, api, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var entries = new List<SettingsEntry>();
        foreach (var scope in ScopeCatalog.For(platform))
        {
            var rule = scope.Platforms[platform];
            if (rule.SettingKey is null)
            {
                continue;
            }

            // A scope the platform never asks for has no switch: whatever was stored, the platform grants it.
            if (rule.PromptMode == ScopePromptMode.Silent)
            {
                continue;
            }

            var decision = decisions.FirstOrDefault(d => string.Equals(d.Scope, scope.Name, StringComparison.Ordinal));
            if (decision is not null || rule.PromptMode == ScopePromptMode.SettingsOnly)
            {
                var state = decision?.EffectiveState(now) ?? DecisionState.NotDetermined;
                entries.Add(new SettingsEntry(scope, rule.SettingKey, state)
                {
                    Lifetime = state == DecisionState.NotDetermined ? DecisionLifetime.Standing : decision!.Lifetime,
                });
            }
        }

        if (platform == Platform.WeChat && decisions.FirstOrDefault(d => string.Equals(d.Scope, Privacy.Scope.Name, StringComparison.Ordinal)) is { } privacy)
        {
            entries.Add(new SettingsEntry(Privacy.Scope, Privacy.Rule.SettingKey!, privacy.EffectiveState(now)));
        }

        return entries;
    }

    private async ValueTask<AuthSettings> ReadSettingsAsync(Subject subject, Platform platform, string api, CancellationToken cancellationToken)
    {
        EnsureSettingsRequest(subject, platform, api);
        var decisions = await ListOrThrowAsync(subject, platform, api, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var authSetting = new Dictionary<string, bool>(StringComparer.Ordinal);
        var shown = new List<Decision>();
        foreach (var decision in decisions)
        {
            var state = decision.EffectiveState(now);
            if (state == DecisionState.NotDetermined
                || !ScopeCatalog.TryGet(decision.Scope, out var scope)
                || !scope.Platforms.TryGetValue(platform, out var rule)
                || rule.SettingKey is null
                || rule.PromptMode == ScopePromptMode.Silent)
            {
                continue;
            }

            authSetting[rule.SettingKey] = state == DecisionState.Granted;
            shown.Add(decision);
        }

        // AuthSetting lists decisions; the platform's own payload also reports what it grants without asking (WeChat's
        // user info, address and invoices: always true).
        var reported = authSetting;
        if (PlatformApis.ReportedGranted(platform) is { Count: > 0 } defaults)
        {
            reported = new Dictionary<string, bool>(authSetting, StringComparer.Ordinal);
            foreach (var key in defaults)
            {
                reported[key] = true;
            }
        }

        var native = platform == Platform.Alipay
            ? NativePayloads.Payload(("authSetting", reported))
            : NativePayloads.Payload(("errMsg", api + ":ok"), ("authSetting", reported));
        return new AuthSettings(platform, authSetting, shown, native);
    }

    private async ValueTask<IReadOnlyList<Decision>> ListOrThrowAsync(Subject subject, Platform platform, string api, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.ListAsync(subject, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(StoreFailure(platform, api, ex));
        }
    }

    private void EnsureSettingsRequest(Subject subject, Platform platform, string api)
    {
        if (platform == Platform.Web)
        {
            throw new AuthorizeException(NativePayloads.Failure(platform, api, AuthorizeErrorCode.PlatformNotSupported, $"{api} is not supported on the web."));
        }

        if (!Enum.IsDefined(platform) || !subject.IsValid)
        {
            throw new AuthorizeException(NativePayloads.Failure(Enum.IsDefined(platform) ? platform : Platform, api, AuthorizeErrorCode.InvalidRequest,
                "The platform is unknown or the subject is invalid."));
        }
    }

    internal static ResolvedScope? ResolveSettingScope(Platform platform, string? input)
    {
        if (input is null)
        {
            return null;
        }

        if (ScopeCatalog.TryResolve(platform, input, out ResolvedScope resolved))
        {
            return resolved;
        }

        if (platform == Platform.WeChat && string.Equals(input, Privacy.Scope.Name, StringComparison.Ordinal))
        {
            return Privacy;
        }

        foreach (var scope in ScopeCatalog.For(platform))
        {
            var rule = scope.Platforms[platform];
            if (string.Equals(rule.SettingKey, input, StringComparison.Ordinal))
            {
                ScopeCatalog.TryResolve(platform, scope.Name, out resolved);
                return resolved;
            }
        }

        return null;
    }
}
