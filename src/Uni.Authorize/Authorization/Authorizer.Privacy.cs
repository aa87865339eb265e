namespace Uni.Authorize;

public sealed partial class Authorizer
{
    private const string PluginApi = "authorizeForMiniProgram";
    private const string RequirePrivacyApi = "requirePrivacyAuthorize";

    private static readonly ResolvedScope Privacy = new(ScopeCatalog.PrivacyAgreement, ScopeCatalog.PrivacyAgreement.Platforms[Platform.WeChat]);

    /// <summary>
    /// A plugin inside the subject's app asks for a scope (WeChat <c>authorizeForMiniProgram</c>): only
    /// <c>scope.record</c>, <c>scope.writePhotosAlbum</c> and <c>scope.camera</c>; the decision belongs to the host app.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended this caller's wait.</exception>
    public ValueTask<AuthorizeOutcome> TryAuthorizeForMiniProgramAsync(AuthorizeRequest request, CancellationToken cancellationToken = default)
    {
        var platform = request.Platform ?? Platform;
        if (request.Scopes is null
            && ScopeCatalog.IsWellFormed(request.Scope)
            && ScopeCatalog.TryResolve(platform, request.Scope!, out ResolvedScope scope)
            && !scope.Rule.PluginMayAsk)
        {
            return new(new AuthorizeOutcome(NativePayloads.Failure(platform, PluginApi, AuthorizeErrorCode.NotSupportedByPlugin,
                $"Plugins may not ask for {scope.Scope.Name}; they may ask for scope.record, scope.writePhotosAlbum and scope.camera.",
                scopeInput: request.Scope)));
        }

        return AuthorizeCore(request, PluginApi, cancellationToken);
    }

    /// <summary>
    /// Asks the user to agree to the app's privacy contract (WeChat <c>requirePrivacyAuthorize</c>) unless they already
    /// did. The agreement is stored as the decision <see cref="ScopeCatalog.PrivacyAgreement"/>: audited, shown in
    /// settings, revocable. A refusal is recorded too, but asked again next time, as WeChat does.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended this caller's wait.</exception>
    public async ValueTask<AuthorizeOutcome> RequirePrivacyAuthorizeAsync(Subject? subject = null, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        var who = subject ?? _defaultSubject;
        var target = platform ?? Platform;
        if (ValidateTarget(target, who, RequirePrivacyApi) is { } invalid)
        {
            return new AuthorizeOutcome(invalid);
        }

        if (target != Platform.WeChat)
        {
            return new AuthorizeOutcome(NativePayloads.Failure(target, RequirePrivacyApi, AuthorizeErrorCode.UnsupportedScope,
                $"The privacy agreement is a WeChat rule; {target} has none."));
        }

        DecisionState state;
        try
        {
            state = (await _store.GetAsync(who, Privacy.Scope.Name, cancellationToken).ConfigureAwait(false))?.EffectiveState(_time.GetUtcNow())
                ?? DecisionState.NotDetermined;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new AuthorizeOutcome(StoreFailure(target, RequirePrivacyApi, ex));
        }

        if (state != DecisionState.Granted)
        {
            var states = new[] { state };
            var codes = new AuthorizeErrorCode?[1];
            await AskAsync(who, target, [Privacy], [0], states, codes, _time.GetTimestamp(), cancellationToken, askDenied: true).ConfigureAwait(false);
            if (codes[0] is { } code)
            {
                return new AuthorizeOutcome(NativePayloads.Failure(target, RequirePrivacyApi,
                    code == AuthorizeErrorCode.Denied ? AuthorizeErrorCode.PrivacyNotAuthorized : code,
                    code == AuthorizeErrorCode.Denied ? "The user did not agree to the privacy contract." : Explain(code, Privacy)));
            }
        }

        return new AuthorizeOutcome(NativePayloads.Success(target, RequirePrivacyApi, [Privacy], null, NativePayloads.NoErrorScopes));
    }

    /// <summary>The user's answer to the app's privacy contract (<c>getPrivacySetting</c>: needs authorization unless granted).</summary>
    /// <exception cref="AuthorizeException">The subject is invalid or the store is unavailable.</exception>
    public async ValueTask<DecisionState> GetPrivacyAgreementAsync(Subject? subject = null, CancellationToken cancellationToken = default)
    {
        var who = subject ?? _defaultSubject;
        EnsureSettingsRequest(who, Platform.WeChat, "getPrivacySetting");
        try
        {
            return (await _store.GetAsync(who, Privacy.Scope.Name, cancellationToken).ConfigureAwait(false))?.EffectiveState(_time.GetUtcNow())
                ?? DecisionState.NotDetermined;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(StoreFailure(Platform.WeChat, "getPrivacySetting", ex));
        }
    }

    private async ValueTask<AuthorizeError?> PrivacyRefusalAsync(Subject subject, Platform platform, string api, CancellationToken cancellationToken)
    {
        Decision? agreement;
        try
        {
            agreement = await _store.GetAsync(subject, Privacy.Scope.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return StoreFailure(platform, api, ex);
        }

        return agreement?.EffectiveState(_time.GetUtcNow()) == DecisionState.Granted
            ? null
            : NativePayloads.Failure(platform, api, AuthorizeErrorCode.PrivacyNotAuthorized,
                "The user has not agreed to the app's privacy contract; call requirePrivacyAuthorize first.");
    }
}
