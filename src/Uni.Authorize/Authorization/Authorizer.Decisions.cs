namespace Uni.Authorize;

public sealed partial class Authorizer
{
    /// <summary>Sets a decision directly (an administrator, an import, the host's settings page). The latest call wins:
    /// a concurrent write is re-read and overwritten.</summary>
    /// <param name="subject">Whose decision it is.</param>
    /// <param name="scope">The scope: canonical, the platform's native name, or its settings key.</param>
    /// <param name="state">Granted, denied, or not determined (ask again).</param>
    /// <param name="source">How the change is made.</param>
    /// <param name="platform">The platform whose names <paramref name="scope"/> uses; <see langword="null"/> for the authorizer's.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <exception cref="ArgumentException">The subject, scope or state is invalid.</exception>
    /// <exception cref="AuthorizeException">The store is unavailable.</exception>
    public async ValueTask<Decision> SetDecisionAsync(
        Subject subject, string scope, DecisionState state, DecisionSource source = DecisionSource.Admin, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        subject.EnsureValid();
        if (!Enum.IsDefined(state) || !Enum.IsDefined(source))
        {
            throw new ArgumentException("Unknown decision state or source.", nameof(state));
        }

        var target = platform ?? Platform;
        var definition = ResolveSettingScope(target, scope)
            ?? throw new ArgumentException($"\"{scope}\" is not a scope on {target}.", nameof(scope));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var current = await _store.GetAsync(subject, definition.Scope.Name, cancellationToken).ConfigureAwait(false);
                var write = new DecisionWrite(subject, definition.Scope.Name, state, source, _time.GetUtcNow(), null, current?.Version ?? 0);
                var result = await _store.TryWriteAsync(write, cancellationToken).ConfigureAwait(false);
                if (result.Written)
                {
                    OnWritten(result.Current!, current?.State ?? DecisionState.NotDetermined);
                    return result.Current!;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not AuthorizeException)
            {
                throw new AuthorizeException(StoreFailure(target, "openSetting", ex));
            }

            if (attempt >= 8)
            {
                throw new AuthorizeException(NativePayloads.Failure(target, "openSetting", AuthorizeErrorCode.StoreUnavailable,
                    "The decision kept changing under concurrent writes; try again."));
            }
        }
    }

    /// <summary>The decisions and audit trail of a subject, for a user's data request.</summary>
    /// <exception cref="ArgumentException">The subject is invalid.</exception>
    /// <exception cref="AuthorizeException">The store is unavailable.</exception>
    public async ValueTask<(IReadOnlyList<Decision> Decisions, IReadOnlyList<DecisionAuditEntry> Audit)> ExportAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        subject.EnsureValid();
        try
        {
            var decisions = await _store.ListAsync(subject, cancellationToken).ConfigureAwait(false);
            var audit = await _store.GetAuditAsync(subject, cancellationToken).ConfigureAwait(false);
            return (decisions, audit);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(StoreFailure(Platform, "exportDecisions", ex));
        }
    }

    // A conditional write from a dialog: on conflict the stored decision wins (first decision wins).
    private async ValueTask<Decision?> WriteAsync(DecisionWrite write, DecisionState previous, CancellationToken cancellationToken)
    {
        var result = await _store.TryWriteAsync(write, cancellationToken).ConfigureAwait(false);
        if (result.Written)
        {
            OnWritten(result.Current!, previous);
        }
        else
        {
            Log.WriteConflict(_logger, write.Scope);
        }

        return result.Current;
    }

    private void OnWritten(Decision decision, DecisionState previous)
    {
        Log.DecisionRecorded(_logger, decision.Scope, decision.State, decision.Source);
        if (decision.State == DecisionState.Granted)
        {
            _telemetry.Grants.Add(1);
        }
        else if (decision.State == DecisionState.Denied)
        {
            _telemetry.Denials.Add(1);
        }

        if (DecisionChanged is not { } handlers)
        {
            return;
        }

        var args = new DecisionChangedEventArgs(decision, previous);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<DecisionChangedEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception ex)
            {
                Log.DecisionChangedHandlerFailed(_logger, ex);
            }
        }
    }

    private static ResolvedScope? ResolveSettingScope(Platform platform, string? input)
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
