using Microsoft.Extensions.Logging;

namespace Uni.Authorize;

/// <summary>
/// The seed's <c>authorize</c>: asks the user for a scope once, remembers the answer per subject, and answers every
/// later call from it. Safe for concurrent use; one instance serves every app, user and platform.
/// </summary>
public sealed partial class Authorizer : IDisposable
{
    private readonly AuthorizeEngine _engine;
    private readonly bool _ownsEngine;
    private readonly DecisionManager _decisions;
    private readonly AuthCodeService _authCodes;

    // Copied from the engine so the hot path reads its own fields.
    private readonly IDecisionStore _store;
    private readonly IAuthorizationPrompter? _prompter;
    private readonly ISettingsPresenter? _settingsPresenter;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuthorizeTelemetry _telemetry;
    private readonly PromptCoordinator _prompts = new();
    private readonly Subject _defaultSubject;
    private readonly TimeSpan _promptTimeout;
    private readonly TimeSpan? _grantLifetime;
    private readonly TimeSpan? _denialLifetime;
    private readonly ManifestCache? _manifests;
    private readonly bool _requireDeclarations;
    private readonly AccessRecorder? _recorder;

    /// <summary>Creates an authorizer from <paramref name="options"/>, with in-memory stores unless it names others.
    /// Give it to <see cref="DecisionManager(Authorizer)"/> and <see cref="AuthCodeService(Authorizer)"/> for the
    /// administration and the auth codes of the same decisions.</summary>
    /// <exception cref="InvalidOperationException">The options are invalid; the message names the setting.</exception>
    public Authorizer(UniAuthorizeOptions options)
        : this(new AuthorizeEngine(options, services: null), ownsEngine: true)
    {
    }

    internal Authorizer(AuthorizeEngine engine, bool ownsEngine = false)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        _decisions = new DecisionManager(engine);
        _authCodes = new AuthCodeService(engine);
        Platform = engine.Platform;
        _defaultSubject = engine.DefaultSubject;
        _store = engine.Store;
        _prompter = engine.Prompter;
        _settingsPresenter = engine.SettingsPresenter;
        _time = engine.Time;
        _logger = engine.Logger;
        _telemetry = engine.Telemetry;
        _promptTimeout = engine.PromptTimeout;
        _grantLifetime = engine.GrantLifetime;
        _denialLifetime = engine.DenialLifetime;
        _manifests = engine.Manifests;
        _requireDeclarations = engine.RequireDeclarations;
        _recorder = engine.Recorder;
    }

    /// <summary>The platform of calls that name none.</summary>
    public Platform Platform { get; }

    /// <summary>The engine this authorizer shares with its decision manager and auth code service.</summary>
    internal AuthorizeEngine Engine => _engine;

    /// <summary>Consent rounds in flight plus user lines held; zero when no dialog is pending.</summary>
    internal int PendingPromptCount => _prompts.PendingCount;

    /// <summary>Asks for <paramref name="scope"/> for the default subject (the seed's promise form).</summary>
    /// <exception cref="AuthorizeException">The call failed; <see cref="AuthorizeException.Error"/> is what <c>fail</c> receives.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended this caller's wait.</exception>
    public ValueTask<AuthorizeResult> AuthorizeAsync(string scope, CancellationToken cancellationToken = default) =>
        AuthorizeAsync(new AuthorizeRequest(scope), cancellationToken);

    /// <summary>Asks for the request's scopes (the seed's promise form).</summary>
    /// <exception cref="AuthorizeException">The call failed; <see cref="AuthorizeException.Error"/> is what <c>fail</c> receives.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended this caller's wait.</exception>
    public ValueTask<AuthorizeResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken = default) =>
        OrThrow(TryAuthorizeAsync(request, cancellationToken));

    /// <summary>Asks for the request's scopes; a refusal is a value, not an exception.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended this caller's wait.</exception>
    public ValueTask<AuthorizeOutcome> TryAuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken = default) =>
        (request.Platform ?? Platform) == Platform.Alipay && DevicePermissionAsked(request) is { } refused
            ? new(new AuthorizeOutcome(refused))
            : AuthorizeCore(request, ResolvedScope.AuthorizeApi, cancellationToken);

    /// <summary>Guards a call of <paramref name="api"/> (<c>getLocation</c>): authorizes its scope first, prompting when
    /// undetermined; failures use the API's name (<c>getLocation:fail auth deny</c>).</summary>
    /// <param name="api">The API's name.</param>
    /// <param name="subject">Whose decision it is; <see langword="null"/> for the default subject.</param>
    /// <param name="platform">The platform; <see langword="null"/> for the authorizer's.</param>
    /// <param name="requiresPrivacyAgreement">Whether the app declared a privacy contract the user must agree to first.</param>
    /// <param name="sessionEndsAt">When the caller's mini-app session ends (<see cref="AuthorizeRequest.SessionEndsAt"/>).</param>
    /// <param name="cancellationToken">Ends this caller's wait.</param>
    public ValueTask<AuthorizeOutcome> TryAuthorizeApiAsync(
        string api, Subject? subject = null, Platform? platform = null, bool requiresPrivacyAgreement = false, DateTimeOffset? sessionEndsAt = null,
        CancellationToken cancellationToken = default)
    {
        var target = platform ?? Platform;
        if (api is null || !PlatformApis.TryGetScope(target, api, out var scope))
        {
            return new(new AuthorizeOutcome(NativePayloads.Failure(target, ScopeCatalog.IsWellFormed(api) && api!.Length <= 64 ? api : "api",
                AuthorizeErrorCode.InvalidRequest, "Unknown API: the scope catalog lists no API of this name.")));
        }

        var pending = scope is null
            ? cancellationToken.IsCancellationRequested
                ? ValueTask.FromCanceled<AuthorizeOutcome>(cancellationToken)
                : OpenApiAsync(api, subject ?? _defaultSubject, target, requiresPrivacyAgreement, cancellationToken)
            : AuthorizeCore(new AuthorizeRequest(scope)
            {
                Subject = subject, Platform = target, RequiresPrivacyAgreement = requiresPrivacyAgreement, SessionEndsAt = sessionEndsAt,
            }, api, cancellationToken);
        return _recorder is null ? pending : Recorded(pending, subject ?? _defaultSubject, scope ?? string.Empty, api);
    }

    /// <summary>Like <see cref="TryAuthorizeApiAsync"/>, throwing <see cref="AuthorizeException"/> on failure.</summary>
    public ValueTask<AuthorizeResult> AuthorizeApiAsync(
        string api, Subject? subject = null, Platform? platform = null, bool requiresPrivacyAgreement = false, DateTimeOffset? sessionEndsAt = null,
        CancellationToken cancellationToken = default) =>
        OrThrow(TryAuthorizeApiAsync(api, subject, platform, requiresPrivacyAgreement, sessionEndsAt, cancellationToken));

    /// <inheritdoc />
    public void Dispose()
    {
        // With dependency injection the container disposes the shared engine.
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }

    // A use that runs goes into the access report's buffer: no allocation and no write on the caller's path.
    private ValueTask<AuthorizeOutcome> Recorded(ValueTask<AuthorizeOutcome> pending, Subject subject, string scope, string api)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            return Awaited(pending, subject, scope, api);
        }

        // Read once and rewrapped: a ValueTask may be consumed only once.
        var outcome = pending.Result;
        if (outcome.Succeeded)
        {
            _recorder!.Record(subject, scope, api);
        }

        return new(outcome);

        async ValueTask<AuthorizeOutcome> Awaited(ValueTask<AuthorizeOutcome> pending, Subject subject, string scope, string api)
        {
            var outcome = await pending.ConfigureAwait(false);
            if (outcome.Succeeded)
            {
                _recorder!.Record(subject, scope, api);
            }

            return outcome;
        }
    }

    private static ValueTask<AuthorizeResult> OrThrow(ValueTask<AuthorizeOutcome> pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            var outcome = pending.Result;
            return outcome.Result is { } result ? new(result) : ValueTask.FromException<AuthorizeResult>(new AuthorizeException(outcome.Error!));
        }

        return Awaited(pending);

        static async ValueTask<AuthorizeResult> Awaited(ValueTask<AuthorizeOutcome> pending) =>
            (await pending.ConfigureAwait(false)).GetResultOrThrow();
    }

    // The hot path: one plain dialog scope already decided answers from a cached payload without allocating.
    private ValueTask<AuthorizeOutcome> AuthorizeCore(AuthorizeRequest request, string api, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            // Cancelled before the call: no lookup, no dialog, nothing stored.
            return ValueTask.FromCanceled<AuthorizeOutcome>(cancellationToken);
        }

        var platform = request.Platform ?? Platform;
        var subject = request.Subject ?? _defaultSubject;
        if (request.Scopes is null
            && request.Scope is { } input
            && ScopeCatalog.TryResolve(platform, input, out ResolvedScope scope)
            && scope.IsPlainDialog
            && !(request.RequiresPrivacyAgreement && scope.Rule.NeedsPrivacyAgreement)
            && (IsDefault(subject) || subject.IsValid))
        {
            // With manifests, only a fresh cached manifest that declares the call answers here; the rest (a read, a
            // refusal) is the slow path's. The manifest's answer for the scope is worked out once per manifest read.
            var purposeVersion = 0L;
            if (_manifests is not null
                && (!_manifests.TryGet(subject.AppId, scope, out var manifest, out purposeVersion) || !IsDeclared(manifest, platform, purposeVersion, api)))
            {
                return AuthorizeSlowAsync(request, api, cancellationToken);
            }

            ValueTask<Decision?> lookup;
            try
            {
                lookup = _store.GetAsync(subject, scope.Scope.Name, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new(new AuthorizeOutcome(StoreFailure(platform, api, ex)));
            }

            if (!lookup.IsCompletedSuccessfully)
            {
                return AwaitLookupAsync(lookup, request, scope, api, purposeVersion, cancellationToken);
            }

            if (Decided(lookup.Result, platform, scope, api, purposeVersion) is { } decided)
            {
                return new(decided);
            }
        }

        return AuthorizeSlowAsync(request, api, cancellationToken);
    }

    private async ValueTask<AuthorizeOutcome> AwaitLookupAsync(
        ValueTask<Decision?> lookup, AuthorizeRequest request, ResolvedScope scope, string api, long purposeVersion, CancellationToken cancellationToken)
    {
        Decision? decision;
        try
        {
            decision = await lookup.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new AuthorizeOutcome(StoreFailure(request.Platform ?? Platform, api, ex));
        }

        return Decided(decision, request.Platform ?? Platform, scope, api, purposeVersion)
            ?? await AuthorizeSlowAsync(request, api, cancellationToken).ConfigureAwait(false);
    }

    // purposeVersion: the version of the app's declared purpose a grant must have been given to (0 without a manifest).
    private AuthorizeOutcome? Decided(Decision? decision, Platform platform, ResolvedScope scope, string api, long purposeVersion)
    {
        if (decision is null)
        {
            return null;
        }

        var state = decision.ExpiresAt is null ? decision.State : decision.EffectiveState(_time.GetUtcNow());
        if (state == DecisionState.Granted && decision.PurposeVersion < purposeVersion)
        {
            return null;
        }

        switch (state)
        {
            case DecisionState.Granted:
                return new AuthorizeOutcome(ReferenceEquals(api, ResolvedScope.AuthorizeApi) ? scope.Granted : ApiOutcomes.Granted(platform, api, scope));
            case DecisionState.Denied:
                _telemetry.FastFails.Add(1);
                return new AuthorizeOutcome(ReferenceEquals(api, ResolvedScope.AuthorizeApi) ? scope.Denied : ApiOutcomes.Denied(platform, api, scope));
            default:
                return null;
        }
    }

    // A grant given to an older text of the app's declared purpose is asked again; a denial stands.
    private static bool IsStale(Decision decision, AppManifest? manifest) =>
        manifest is not null && decision.PurposeVersion < manifest.PurposeVersionOf(decision.Scope);

    private static DecisionState StateOf(Decision? decision, DateTimeOffset now, AppManifest? manifest)
    {
        var state = decision?.EffectiveState(now) ?? DecisionState.NotDetermined;
        return state == DecisionState.Granted && IsStale(decision!, manifest) ? DecisionState.NotDetermined : state;
    }

    // purposeVersion < 0: the scope shows a dialog and the manifest declares no purpose for it (ManifestCache.TryGet).
    // "authorize" itself is no private-information API.
    private bool IsDeclared(AppManifest? manifest, Platform platform, long purposeVersion, string api) =>
        manifest is null
            ? !_requireDeclarations
            : purposeVersion >= 0 && (ReferenceEquals(api, ResolvedScope.AuthorizeApi) || !MissesPrivateInfo(manifest, platform, api));

    /// <summary>The failure of a call its app did not declare, or <see langword="null"/> when it may go on.</summary>
    private AuthorizeError? Undeclared(AppManifest? manifest, Platform platform, ReadOnlySpan<ResolvedScope> scopes, string api)
    {
        if (manifest is null && !_requireDeclarations)
        {
            return null;
        }

        AuthorizeError? error = null;
        if (MissesPrivateInfo(manifest, platform, api))
        {
            error = NativePayloads.Failure(platform, api, AuthorizeErrorCode.Undeclared,
                $"The app's manifest does not list {api} in requiredPrivateInfos.");
        }

        foreach (var scope in scopes)
        {
            if (error is null && MissesPurpose(manifest, scope))
            {
                error = NativePayloads.Failure(platform, api, AuthorizeErrorCode.Undeclared,
                    $"The app's manifest declares no purpose for {scope.Scope.Name} (permission: {{\"{scope.Rule.NativeName}\": {{\"desc\": \"…\"}}}}).",
                    platform == Platform.Alipay ? ResolvedScope.AlipayErrorScopes(scope, AuthorizeErrorCode.Undeclared) : null, scope.Scope.Name);
            }
        }

        if (error is not null)
        {
            _telemetry.Undeclared.Add(1);
        }

        return error;
    }

    // WeChat's private-information APIs must be listed in requiredPrivateInfos.
    private static bool MissesPrivateInfo(AppManifest? manifest, Platform platform, string api) =>
        platform == Platform.WeChat && ManifestDocument.WeChatPrivateInfos.Contains(api) && manifest?.DeclaresPrivateInfo(api) != true;

    // Every scope that shows a dialog needs a declared purpose; silent ones (Alipay's auth_base) ask nothing.
    internal static bool MissesPurpose(AppManifest? manifest, ResolvedScope scope) =>
        scope.Rule.PromptMode != ScopePromptMode.Silent && manifest?.Purposes.ContainsKey(scope.Scope.Name) != true;

    // Reads the app's manifest when manifests are kept; a store failure fails the call closed.
    private async ValueTask<(AppManifest? Manifest, AuthorizeError? Failure)> ManifestAsync(Subject subject, Platform platform, string api, CancellationToken cancellationToken)
    {
        if (_manifests is null)
        {
            return (null, null);
        }

        try
        {
            return (await _manifests.GetAsync(subject.AppId, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return (null, StoreFailure(platform, api, ex));
        }
    }

    // Alipay's getAuthCode knows only its auth scopes: a device permission (location, album, camera) is asked by its own
    // API (my.getLocation), never by getAuthCode, so asking for one is a bad parameter, with no dialog.
    private static AuthorizeError? DevicePermissionAsked(AuthorizeRequest request)
    {
        foreach (var input in request.Scopes ?? (request.Scope is null ? [] : [request.Scope]))
        {
            if (input is not null && ScopeCatalog.TryResolve(Platform.Alipay, input, out ResolvedScope scope) && ResolvedScope.IsDevicePermission(scope.Rule))
            {
                return NativePayloads.Failure(Platform.Alipay, ResolvedScope.AuthorizeApi, AuthorizeErrorCode.InvalidScope,
                    $"{input} is not a getAuthCode scope on Alipay (auth_base, auth_user, auth_zhima): its own API asks for it ({string.Join(", ", ScopeCatalog.NativeApis(scope.Scope, Platform.Alipay))}).",
                    scopeInput: input);
            }
        }

        return null;
    }

    // The scopes the platforms offer "while using" for.
    internal static bool IsLocation(string scope) => scope is "scope.userLocation" or "scope.userFuzzyLocation";

    private bool IsDefault(Subject subject) =>
        ReferenceEquals(subject.AppId, _defaultSubject.AppId) && ReferenceEquals(subject.UserId, _defaultSubject.UserId);

    private AuthorizeError StoreFailure(Platform platform, string api, Exception exception) =>
        _engine.StoreFailure(platform, api, exception);

    private ValueTask<DecisionWriteResult> WriteAsync(DecisionWrite write, DecisionState previous, CancellationToken cancellationToken) =>
        _engine.WriteAsync(write, previous, cancellationToken);
}
