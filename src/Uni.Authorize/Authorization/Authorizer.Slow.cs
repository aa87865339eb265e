using System.Diagnostics;

namespace Uni.Authorize;

public sealed partial class Authorizer
{
    /// <summary>The most scopes one call may ask for (Alipay's <c>scopes</c> array).</summary>
    public const int MaxScopesPerCall = 16;

    private async ValueTask<AuthorizeOutcome> AuthorizeSlowAsync(AuthorizeRequest request, string api, CancellationToken cancellationToken)
    {
        var calledAt = _time.GetTimestamp();
        var platform = request.Platform ?? Platform;
        var subject = request.Subject ?? _defaultSubject;
        using var activity = AuthorizeTelemetry.ActivitySource.StartActivity("authorize");
        activity?.SetTag("uni.authorize.platform", platform.ToString());

        if (Validate(request, platform, subject, api, out var scopes) is { } invalid)
        {
            activity?.SetStatus(ActivityStatusCode.Error, invalid.Code.ToString());
            return new AuthorizeOutcome(invalid);
        }

        var (manifest, failure) = await ManifestAsync(subject, platform, api, cancellationToken).ConfigureAwait(false);
        if ((failure ?? Undeclared(manifest, platform, scopes, api)) is { } refused)
        {
            activity?.SetStatus(ActivityStatusCode.Error, refused.Code.ToString());
            return new AuthorizeOutcome(refused);
        }

        if (request.RequiresPrivacyAgreement && scopes.Any(s => s.Rule.NeedsPrivacyAgreement)
            && await PrivacyRefusalAsync(subject, platform, api, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            activity?.SetStatus(ActivityStatusCode.Error, refusal.Code.ToString());
            return new AuthorizeOutcome(refusal);
        }

        var states = new DecisionState[scopes.Length];
        var codes = new AuthorizeErrorCode?[scopes.Length];
        // Alipay tells a refusal made now from one kept from before; the other platforms word them alike.
        var refusals = platform == Platform.Alipay ? new Refusal[scopes.Length] : null;
        var now = _time.GetUtcNow();
        List<int>? toAsk = null;
        for (var i = 0; i < scopes.Length; i++)
        {
            if (scopes[i].Rule.PromptMode == ScopePromptMode.Silent)
            {
                states[i] = DecisionState.Granted;
                continue;
            }

            if (scopes[i].Rule.PromptMode == ScopePromptMode.EveryCall)
            {
                (toAsk ??= []).Add(i);
                continue;
            }

            try
            {
                var decision = await _store.GetAsync(subject, scopes[i].Scope.Name, cancellationToken).ConfigureAwait(false);
                states[i] = StateOf(decision, now, manifest);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new AuthorizeOutcome(StoreFailure(platform, api, ex));
            }

            switch (states[i])
            {
                case DecisionState.Denied:
                    _telemetry.FastFails.Add(1);
                    codes[i] = AuthorizeErrorCode.Denied;
                    break;
                case DecisionState.NotDetermined when scopes[i].Rule.PromptMode == ScopePromptMode.SettingsOnly:
                    codes[i] = AuthorizeErrorCode.SettingsOnly;
                    break;
                case DecisionState.NotDetermined:
                    (toAsk ??= []).Add(i);
                    break;
            }
        }

        if (toAsk is not null)
        {
            await AskAsync(subject, platform, scopes, toAsk, states, codes, calledAt, cancellationToken, manifest: manifest, sessionEndsAt: request.SessionEndsAt,
                refusals: refusals).ConfigureAwait(false);
        }

        var outcome = await ComposeAsync(subject, platform, api, scopes, states, codes, cancellationToken, refusals).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome.Error!.Code.ToString());
        }

        return outcome;
    }

    private AuthorizeError? Validate(AuthorizeRequest request, Platform platform, Subject subject, string api, out ResolvedScope[] scopes)
    {
        scopes = [];
        if (ValidateTarget(platform, subject, api) is { } invalid)
        {
            return invalid;
        }

        if (request.Scope is not null && request.Scopes is not null)
        {
            return NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidRequest, "Give either scope or scopes, not both.");
        }

        IReadOnlyList<string?> inputs = request.Scopes ?? (request.Scope is null ? [] : [request.Scope]);
        if (inputs.Count == 0)
        {
            return NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidScope, "scope is required.");
        }

        if (inputs.Count > 1 && platform != Platform.Alipay)
        {
            return NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidRequest, $"{platform} authorizes one scope per call; only Alipay takes several.");
        }

        if (inputs.Count > MaxScopesPerCall)
        {
            return NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidRequest, $"At most {MaxScopesPerCall} scopes per call.");
        }

        var resolved = new List<ResolvedScope>(inputs.Count);
        foreach (var input in inputs)
        {
            if (!ScopeCatalog.IsWellFormed(input))
            {
                return NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidScope,
                    $"A scope is 1 to {ScopeCatalog.MaxScopeLength} characters, not blank, without control characters.");
            }

            if (!ScopeCatalog.TryResolve(platform, input!, out ResolvedScope scope))
            {
                return ScopeCatalog.TryGet(input!, out _)
                    ? NativePayloads.Failure(platform, api, AuthorizeErrorCode.UnsupportedScope, $"{input} is not supported on {platform}.", scopeInput: input)
                    : NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidScope, $"\"{input}\" is not a scope on {platform}.", scopeInput: input);
            }

            // A scope asked at every call belongs to its API: authorize cannot ask for it ahead of the call.
            if (scope.Rule.PromptMode == ScopePromptMode.EveryCall && ReferenceEquals(api, ResolvedScope.AuthorizeApi))
            {
                return NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidScope, $"\"{input}\" is not a scope on {platform}.", scopeInput: input);
            }

            if (!resolved.Contains(scope))
            {
                resolved.Add(scope);
            }
        }

        scopes = [.. resolved];
        return null;
    }

    private AuthorizeError? ValidateTarget(Platform platform, Subject subject, string api)
    {
        if (platform == Platform.Web)
        {
            return NativePayloads.Failure(platform, api, AuthorizeErrorCode.PlatformNotSupported, $"{api} is not supported on the web.");
        }

        if (!Enum.IsDefined(platform))
        {
            return NativePayloads.Failure(Platform, api, AuthorizeErrorCode.InvalidRequest, $"Unknown platform {(int)platform}.");
        }

        return subject.IsValid ? null : NativePayloads.Failure(platform, api, AuthorizeErrorCode.InvalidRequest,
            $"The subject needs an app id and a user id of 1 to {Subject.MaxIdLength} characters without control characters.");
    }

    private async Task AskAsync(
        Subject subject, Platform platform, ResolvedScope[] scopes, List<int> toAsk, DecisionState[] states, AuthorizeErrorCode?[] codes,
        long calledAt, CancellationToken cancellationToken, bool askDenied = false, AppManifest? manifest = null, DateTimeOffset? sessionEndsAt = null,
        Refusal[]? refusals = null)
    {
        if (_prompter is null)
        {
            foreach (var i in toAsk)
            {
                Log.NoPrompter(_logger, scopes[i].Scope.Name);
                codes[i] = AuthorizeErrorCode.PromptFailed;
            }

            return;
        }

        var asked = toAsk.Select(i => scopes[i]).ToArray();
        var key = new PromptCoordinator.FlightKey(subject.AppId, subject.UserId, string.Join('\n', asked.Select(s => s.Scope.Name)));
        // This caller waits at most PromptTimeout from its call, however many dialogs of the user are ahead of it: when
        // its time is up it fails as timed out, and a round nobody waits for any more is cancelled before its dialog.
        var left = _promptTimeout - _time.GetElapsedTime(calledAt);
        PromptRound round;
        if (left <= TimeSpan.Zero)
        {
            Log.PromptTimedOut(_logger, _promptTimeout);
            round = PromptRound.Failed(AuthorizeErrorCode.PromptTimedOut);
        }
        else
        {
            using var deadline = new CancellationTokenSource(left, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                round = await _prompts.JoinAsync(key, token => PromptRoundAsync(subject, platform, asked, askDenied, manifest, sessionEndsAt, token), linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Log.PromptTimedOut(_logger, _promptTimeout);
                round = PromptRound.Failed(AuthorizeErrorCode.PromptTimedOut);
            }
        }

        for (var k = 0; k < toAsk.Count; k++)
        {
            var i = toAsk[k];
            if (round.Error is { } error)
            {
                codes[i] = error;
                continue;
            }

            states[i] = round.States![k];
            if (refusals is not null && round.Refusals is { } made)
            {
                refusals[i] = made[k];
            }

            codes[i] = states[i] switch
            {
                DecisionState.Granted => null,
                DecisionState.Denied => AuthorizeErrorCode.Denied,
                _ => AuthorizeErrorCode.Dismissed,
            };
        }
    }

    // One consent round, run once for every caller sharing it, in the user's line.
    // askDenied: the privacy agreement is asked again after a refusal (WeChat re-asks until the user agrees).
    private async Task<PromptRound> PromptRoundAsync(
        Subject subject, Platform platform, ResolvedScope[] scopes, bool askDenied, AppManifest? manifest, DateTimeOffset? sessionEndsAt,
        CancellationToken roundToken)
    {
        // Re-read: a dialog earlier in this user's line may have decided some of these scopes.
        var now = _time.GetUtcNow();
        var current = new Decision?[scopes.Length];
        var states = new DecisionState[scopes.Length];
        try
        {
            for (var i = 0; i < scopes.Length; i++)
            {
                if (scopes[i].Rule.PromptMode != ScopePromptMode.EveryCall)
                {
                    current[i] = await _store.GetAsync(subject, scopes[i].Scope.Name, roundToken).ConfigureAwait(false);
                    states[i] = StateOf(current[i], now, manifest);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.StoreUnavailable(_logger, ex);
            return PromptRound.Failed(AuthorizeErrorCode.StoreUnavailable);
        }

        var ask = Enumerable.Range(0, scopes.Length)
            .Where(i => states[i] == DecisionState.NotDetermined || (askDenied && states[i] == DecisionState.Denied))
            .ToArray();
        if (ask.Length == 0)
        {
            return PromptRound.Decided(states);
        }

        _telemetry.PromptsShown.Add(1);
        Log.PromptShown(_logger, platform, ask.Length);
        PromptResult? answer;
        using (var timeout = new CancellationTokenSource(_promptTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(roundToken, timeout.Token))
        {
            try
            {
                var request = new PromptRequest(subject, platform, [.. ask.Select(i => scopes[i].Scope)])
                {
                    Purposes = PurposesOf(manifest, ask.Select(i => scopes[i].Scope.Name)),
                };
                answer = await _prompter!.PromptAsync(request, linked.Token).AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (roundToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Log.PromptTimedOut(_logger, _promptTimeout);
                return PromptRound.Failed(AuthorizeErrorCode.PromptTimedOut);
            }
            catch (Exception ex)
            {
                Log.PromptFailed(_logger, ex);
                return PromptRound.Failed(AuthorizeErrorCode.PromptFailed);
            }
        }

        if (answer is null)
        {
            Log.PromptFailed(_logger, new InvalidOperationException("The prompter returned no result."));
            return PromptRound.Failed(AuthorizeErrorCode.PromptFailed);
        }

        try
        {
            // Answers keyed by the platform's own names (auth_user, scope.album) count for their canonical scopes.
            answer = answer.ForPlatform(platform);
        }
        catch (ArgumentException ex)
        {
            Log.PromptFailed(_logger, ex);
            return PromptRound.Failed(AuthorizeErrorCode.PromptFailed);
        }

        var decidedAt = _time.GetUtcNow();
        var refusals = new Refusal[scopes.Length];
        foreach (var i in ask)
        {
            if (answer.AnswerFor(scopes[i].Scope.Name) == PromptAnswer.AllowWhileUsing && !IsLocation(scopes[i].Scope.Name))
            {
                Log.PromptFailed(_logger, new InvalidOperationException(
                    $"The prompter answered AllowWhileUsing for {scopes[i].Scope.Name}; it is offered for location scopes only."));
                return PromptRound.Failed(AuthorizeErrorCode.PromptFailed);
            }
        }

        foreach (var i in ask)
        {
            if (Answered(answer.AnswerFor(scopes[i].Scope.Name), decidedAt, sessionEndsAt, scopes[i].Rule) is not var (state, lifetime, expiresAt))
            {
                continue;
            }

            if (scopes[i].Rule.PromptMode == ScopePromptMode.EveryCall)
            {
                // Neither answer is kept: it decides this call only.
                states[i] = state;
                continue;
            }

            var write = new DecisionWrite(subject, scopes[i].Scope.Name, state, DecisionSource.Prompt, decidedAt, expiresAt, current[i]?.Version ?? 0)
            {
                PurposeVersion = manifest?.PurposeVersionOf(scopes[i].Scope.Name) ?? 0,
                Lifetime = lifetime,
            };
            try
            {
                // The user answered: record it even if every caller has stopped waiting.
                var stored = (await WriteAsync(write, current[i]?.State ?? DecisionState.NotDetermined, CancellationToken.None).ConfigureAwait(false)).Current;
                // An answer for this call only ("allow once", Alipay's plain refusal) is stored already expired: it
                // answers the call that asked (the write, here or by the instance the user answered through, is the
                // version after the one read), and the next call asks again.
                var mine = stored is not null && stored.Version == write.ExpectedVersion + 1 && stored.State == state && stored.Lifetime == lifetime;
                states[i] = lifetime == DecisionLifetime.Once && mine ? state : stored?.EffectiveState(decidedAt) ?? DecisionState.NotDetermined;
                if (mine && state == DecisionState.Denied)
                {
                    refusals[i] = lifetime == DecisionLifetime.Once ? Refusal.Now : Refusal.NowKept;
                }
            }
            catch (Exception ex)
            {
                Log.StoreUnavailable(_logger, ex);
                return PromptRound.Failed(AuthorizeErrorCode.StoreUnavailable);
            }
        }

        return PromptRound.Decided(states, refusals);
    }

    private async ValueTask<AuthorizeOutcome> ComposeAsync(
        Subject subject, Platform platform, string api, ResolvedScope[] scopes, DecisionState[] states, AuthorizeErrorCode?[] codes, CancellationToken cancellationToken,
        Refusal[]? refusals = null)
    {
        List<ResolvedScope>? granted = null;
        Dictionary<string, int>? alipayErrors = null;
        AuthorizeErrorCode? firstError = null;
        ResolvedScope? firstFailed = null;
        var firstRefusal = Refusal.Earlier;
        for (var i = 0; i < scopes.Length; i++)
        {
            if (codes[i] is { } code)
            {
                if (firstFailed is null)
                {
                    (firstError, firstFailed, firstRefusal) = (code, scopes[i], refusals?[i] ?? Refusal.Earlier);
                }

                if (platform == Platform.Alipay)
                {
                    (alipayErrors ??= new(StringComparer.Ordinal))[scopes[i].Rule.NativeName] = code == AuthorizeErrorCode.Denied
                        ? NativePayloads.AlipayRefusal(scopes[i], refusals?[i] ?? Refusal.Earlier).Error
                        : NativePayloads.AlipayError(code).Error;
                }
            }
            else if (states[i] == DecisionState.Granted)
            {
                (granted ??= []).Add(scopes[i]);
            }
        }

        IReadOnlyDictionary<string, int> errorScopes = alipayErrors ?? NativePayloads.NoErrorScopes;
        if (granted is null)
        {
            var failed = firstFailed!;
            var code = firstError ?? AuthorizeErrorCode.PromptFailed;
            return new AuthorizeOutcome(code == AuthorizeErrorCode.Denied && scopes.Length == 1
                ? firstRefusal != Refusal.Earlier
                    ? ResolvedScope.DeniedError(platform, api, failed, firstRefusal)
                    : (ReferenceEquals(api, ResolvedScope.AuthorizeApi) ? failed.Denied : ApiOutcomes.Denied(platform, api, failed))
                : NativePayloads.Failure(platform, api, code, Explain(code, failed), errorScopes, failed.Rule.NativeName,
                    platform == Platform.Alipay && code == AuthorizeErrorCode.Denied ? NativePayloads.AlipayRefusal(failed, firstRefusal) : null));
        }

        string? authCode = null;
        if (granted.Any(s => s.Rule.IssuesAuthCode))
        {
            try
            {
                authCode = await _authCodes.IssueAuthCodeAsync(subject, granted.Where(s => s.Rule.IssuesAuthCode), cancellationToken).ConfigureAwait(false);
            }
            catch (AuthorizeException ex)
            {
                return new AuthorizeOutcome(NativePayloads.Failure(platform, api, ex.Code, ex.Error.Message, errorScopes));
            }
        }

        return new AuthorizeOutcome(authCode is null && granted.Count == 1 && errorScopes.Count == 0
            ? (ReferenceEquals(api, ResolvedScope.AuthorizeApi) ? granted[0].Granted : ApiOutcomes.Granted(platform, api, granted[0]))
            : NativePayloads.Success(platform, api, granted, authCode, errorScopes));
    }

    /// <summary>The decision an answer makes, or <see langword="null"/> when it makes none (dismissed).</summary>
    private (DecisionState State, DecisionLifetime Lifetime, DateTimeOffset? ExpiresAt)? Answered(
        PromptAnswer answer, DateTimeOffset decidedAt, DateTimeOffset? sessionEndsAt, PlatformScope? rule)
    {
        var granted = decidedAt + _grantLifetime;
        // Alipay keeps a refusal only when the user ticked "don't ask again", which it offers for device permissions;
        // a plain refusal, and any refusal of a getAuthCode scope, answers this call only (the next call asks again).
        var keptRefusal = rule?.Platform != Platform.Alipay
            || (answer == PromptAnswer.DenyDontAskAgain && ResolvedScope.IsDevicePermission(rule));
        return answer switch
        {
            PromptAnswer.Allow => (DecisionState.Granted, DecisionLifetime.Standing, granted),
            PromptAnswer.Deny or PromptAnswer.DenyDontAskAgain => keptRefusal
                ? (DecisionState.Denied, DecisionLifetime.Standing, decidedAt + _denialLifetime)
                : (DecisionState.Denied, DecisionLifetime.Once, decidedAt),
            PromptAnswer.AllowOnce => (DecisionState.Granted, DecisionLifetime.Once, decidedAt),
            PromptAnswer.AllowWhileUsing => (DecisionState.Granted, DecisionLifetime.WhileUsing,
                sessionEndsAt is { } end && (granted is null || end < granted) ? end : granted),
            _ => null,
        };
    }

    private static IReadOnlyDictionary<string, string> PurposesOf(AppManifest? manifest, IEnumerable<string> scopes)
    {
        if (manifest is null)
        {
            return PromptRequest.NoPurposes;
        }

        var purposes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var scope in scopes)
        {
            if (manifest.Purposes.TryGetValue(scope, out var purpose))
            {
                purposes[scope] = purpose.Description;
            }
        }

        return purposes;
    }

    private string Explain(AuthorizeErrorCode code, ResolvedScope scope) => code switch
    {
        AuthorizeErrorCode.Denied => $"The user denied {scope.Scope.Name}.",
        AuthorizeErrorCode.Dismissed => $"The user closed the dialog for {scope.Scope.Name} without choosing; the next call asks again.",
        AuthorizeErrorCode.SettingsOnly => $"{scope.Scope.Name} is never asked in a dialog on {scope.Rule.Platform}; the user can enable it in settings (openSetting).",
        AuthorizeErrorCode.PromptTimedOut => $"The dialog for {scope.Scope.Name} was not answered in time; nothing was granted.",
        AuthorizeErrorCode.PromptFailed when _prompter is null =>
            $"No IAuthorizationPrompter is registered, so {scope.Scope.Name} could not be asked; nothing was granted. Set UniAuthorizeOptions.Prompter or register an IAuthorizationPrompter service.",
        AuthorizeErrorCode.PromptFailed => $"The dialog for {scope.Scope.Name} could not be shown; nothing was granted.",
        AuthorizeErrorCode.StoreUnavailable => "The decision store is unavailable; nothing was granted. Retry when the store is back.",
        AuthorizeErrorCode.Canceled => "Every caller stopped waiting; the dialog was closed.",
        AuthorizeErrorCode.Undeclared => $"The app's manifest does not declare {scope.Scope.Name}.",
        _ => $"{scope.Scope.Name} failed: {code}.",
    };
}
