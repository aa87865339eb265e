using System.Text.Json;

namespace Uni.Authorize;

/// <summary>
/// Administers the decisions an <see cref="Authorizer"/> answers from: direct writes (an administrator, the host's
/// settings page), a subject's export and import, and the <see cref="DecisionChanged"/> notifications of every write,
/// the authorizer's dialogs included. Safe for concurrent use.
/// </summary>
public sealed partial class DecisionManager
{
    private readonly AuthorizeEngine _engine;

    /// <summary>Creates a manager of the decisions <paramref name="authorizer"/> answers from (without dependency
    /// injection; with it, resolve <see cref="DecisionManager"/>).</summary>
    public DecisionManager(Authorizer authorizer)
        : this((authorizer ?? throw new ArgumentNullException(nameof(authorizer))).Engine)
    {
    }

    internal DecisionManager(AuthorizeEngine engine) => _engine = engine;

    /// <summary>Raised after a decision was written (dialog, settings, admin, import), with this manager as the sender.
    /// A handler that throws is logged and does not affect the call or the stored decision.</summary>
    public event EventHandler<DecisionChangedEventArgs>? DecisionChanged
    {
        add => _engine.Subscribe(this, value);
        remove => _engine.Unsubscribe(this, value);
    }

    /// <summary>Sets a decision directly (an administrator, an import, the host's settings page). The latest call wins:
    /// a concurrent write is re-read and overwritten.</summary>
    /// <param name="subject">Whose decision it is.</param>
    /// <param name="scope">The scope: canonical, the platform's native name, or its settings key.</param>
    /// <param name="state">Granted, denied, or not determined (ask again).</param>
    /// <param name="source">How the change is made.</param>
    /// <param name="platform">The platform whose names <paramref name="scope"/> uses; <see langword="null"/> for the authorizer's default.</param>
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

        var target = platform ?? _engine.Platform;
        var definition = Authorizer.ResolveSettingScope(target, scope)
            ?? throw new ArgumentException($"\"{scope}\" is not a scope on {target}.", nameof(scope));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var current = await _engine.Store.GetAsync(subject, definition.Scope.Name, cancellationToken).ConfigureAwait(false);
                // A decision set now is given to the purpose the app declares now.
                var manifest = _engine.Manifests is { } manifests ? await manifests.GetAsync(subject.AppId, cancellationToken).ConfigureAwait(false) : null;
                var write = new DecisionWrite(subject, definition.Scope.Name, state, source, _engine.Time.GetUtcNow(), null, current?.Version ?? 0)
                {
                    PurposeVersion = manifest?.PurposeVersionOf(definition.Scope.Name) ?? 0,
                };
                var result = await _engine.Store.TryWriteAsync(write, cancellationToken).ConfigureAwait(false);
                if (result.Written)
                {
                    _engine.OnWritten(result.Current!, current?.State ?? DecisionState.NotDetermined);
                    return result.Current!;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not AuthorizeException)
            {
                throw new AuthorizeException(_engine.StoreFailure(target, "openSetting", ex));
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
            var decisions = await _engine.Store.ListAsync(subject, cancellationToken).ConfigureAwait(false);
            var audit = await _engine.Store.GetAuditAsync(subject, cancellationToken).ConfigureAwait(false);
            return (decisions, audit);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(_engine.StoreFailure(_engine.Platform, "exportDecisions", ex));
        }
    }

    /// <summary>Ends the "allow while using" grants of <paramref name="subject"/>: call it when the user's mini-app session
    /// with the app ends (revoked, signed out). Each such grant becomes not determined (source <see cref="DecisionSource.Policy"/>),
    /// so the next call asks again. Returns how many were ended.</summary>
    /// <exception cref="ArgumentException">The subject is invalid.</exception>
    /// <exception cref="AuthorizeException">The store is unavailable.</exception>
    public async ValueTask<int> EndSessionAsync(Subject subject, CancellationToken cancellationToken = default)
    {
        subject.EnsureValid();
        var ended = 0;
        try
        {
            foreach (var decision in await _engine.Store.ListAsync(subject, cancellationToken).ConfigureAwait(false))
            {
                if (decision is not { State: DecisionState.Granted, Lifetime: DecisionLifetime.WhileUsing })
                {
                    continue;
                }

                // A conflict means the decision changed meanwhile (answered again, changed in settings): that one stands.
                var write = new DecisionWrite(subject, decision.Scope, DecisionState.NotDetermined, DecisionSource.Policy, _engine.Time.GetUtcNow(), null, decision.Version)
                {
                    PurposeVersion = decision.PurposeVersion,
                };
                if ((await _engine.WriteAsync(write, decision.State, cancellationToken).ConfigureAwait(false)).Written)
                {
                    ended++;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(_engine.StoreFailure(_engine.Platform, "authorize", ex));
        }

        return ended;
    }

    /// <summary>The current manifest of <paramref name="appId"/>, or <see langword="null"/> when it registered none.</summary>
    /// <exception cref="InvalidOperationException">No manifest store is configured.</exception>
    public ValueTask<AppManifest?> GetManifestAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return ManifestStore.Store.GetManifestAsync(appId, cancellationToken);
    }

    /// <summary>Registers the declarations of an <c>app.json</c> fragment (<c>permission</c> and, on WeChat,
    /// <c>requiredPrivateInfos</c>) as the app's next manifest version. A purpose whose text changed gets the new
    /// version, so a grant given to the old text is asked again. Counts at once on this instance.</summary>
    /// <param name="appId">The app.</param>
    /// <param name="platform">The app's platform: whose scope names and fields <paramref name="appJson"/> uses.</param>
    /// <param name="appJson">The <c>app.json</c> fragment; other fields are ignored.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <exception cref="ArgumentException">The fragment is malformed; the message names the field.</exception>
    /// <exception cref="InvalidOperationException">No manifest store is configured.</exception>
    public async ValueTask<AppManifest> SetManifestAsync(string appId, Platform platform, JsonElement appJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        var cache = ManifestStore;
        // Two concurrent changes: the loser reads the winner's version and applies its own on top.
        while (true)
        {
            var previous = await cache.Store.GetManifestAsync(appId, cancellationToken).ConfigureAwait(false);
            var next = ManifestDocument.Next(appId, platform, appJson, previous, _engine.Time.GetUtcNow());
            if (await cache.Store.TryPutManifestAsync(next, cancellationToken).ConfigureAwait(false))
            {
                cache.Set(appId, next);
                return next;
            }
        }
    }

    private ManifestCache ManifestStore => _engine.Manifests
        ?? throw new InvalidOperationException("No manifest store is configured: set UniAuthorizeOptions.ManifestStore or register an IAppManifestStore service.");
}
