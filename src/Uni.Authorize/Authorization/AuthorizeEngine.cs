using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Uni.Authorize;

/// <summary>
/// What <see cref="Authorizer"/>, <see cref="DecisionManager"/> and <see cref="AuthCodeService"/> share: the stores,
/// the clock, the settings, logging and metrics, and the one place a decision write is reported.
/// </summary>
internal sealed class AuthorizeEngine : IDisposable
{
    private readonly Lock _handlersLock = new();
    private (object Sender, EventHandler<DecisionChangedEventArgs> Handler)[] _handlers = [];

    public AuthorizeEngine(UniAuthorizeOptions options, IServiceProvider? services)
    {
        ArgumentNullException.ThrowIfNull(options);
        UniAuthorizeOptionsValidator.Code.ThrowIfInvalid(options);
        Platform = options.Platform;
        DefaultSubject = options.DefaultSubject;
        Store = options.Store ?? services?.GetService<IDecisionStore>() ?? new InMemoryDecisionStore();
        AuthCodes = options.AuthCodeStore ?? services?.GetService<IAuthCodeStore>() ?? new InMemoryAuthCodeStore();
        Prompter = options.Prompter ?? services?.GetService<IAuthorizationPrompter>();
        SettingsPresenter = options.SettingsPresenter ?? services?.GetService<ISettingsPresenter>();
        Time = options.TimeProvider ?? services?.GetService<TimeProvider>() ?? TimeProvider.System;
        Logger = (options.LoggerFactory ?? services?.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger<Authorizer>();
        Telemetry = new AuthorizeTelemetry(options.MeterFactory ?? services?.GetService<IMeterFactory>(), this);
        PromptTimeout = options.PromptTimeout;
        AuthCodeLifetime = options.AuthCodeLifetime;
        GrantLifetime = options.GrantLifetime;
        DenialLifetime = options.DenialLifetime;
        RequireDeclarations = options.RequireDeclarations;
        var manifests = options.ManifestStore ?? services?.GetService<IAppManifestStore>();
        Manifests = manifests is null ? null : new ManifestCache(manifests, Time, options.ManifestCacheDuration);
        if (RequireDeclarations && Manifests is null)
        {
            throw new InvalidOperationException(
                "UniAuthorizeOptions.RequireDeclarations needs a manifest store: set UniAuthorizeOptions.ManifestStore or register an IAppManifestStore service.");
        }
        Recorder = services?.GetService<IOptions<AccessReportOptions>>()?.Value.Enabled == true ? services.GetService<AccessRecorder>() : null;
    }

    /// <summary>The apps' manifests, or <see langword="null"/> when no store keeps any.</summary>
    public ManifestCache? Manifests { get; }

    public bool RequireDeclarations { get; }

    public Platform Platform { get; }

    public Subject DefaultSubject { get; }

    public IDecisionStore Store { get; }

    public IAuthCodeStore AuthCodes { get; }

    public IAuthorizationPrompter? Prompter { get; }

    public ISettingsPresenter? SettingsPresenter { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public AuthorizeTelemetry Telemetry { get; }

    public TimeSpan PromptTimeout { get; }

    public TimeSpan AuthCodeLifetime { get; }

    public TimeSpan? GrantLifetime { get; }

    public TimeSpan? DenialLifetime { get; }

    /// <summary>Where uses of gated APIs are recorded; <see langword="null"/> without <c>AddAccessReport</c> or when it is disabled.</summary>
    public AccessRecorder? Recorder { get; }

    public void Dispose() => Telemetry.Dispose();

    public void Subscribe(object sender, EventHandler<DecisionChangedEventArgs>? handler)
    {
        if (handler is not null)
        {
            lock (_handlersLock)
            {
                _handlers = [.. _handlers, (sender, handler)];
            }
        }
    }

    public void Unsubscribe(object sender, EventHandler<DecisionChangedEventArgs>? handler)
    {
        if (handler is null)
        {
            return;
        }

        lock (_handlersLock)
        {
            // The last subscription of this handler through this sender goes, as with a field-like event.
            var index = Array.FindLastIndex(_handlers, h => ReferenceEquals(h.Sender, sender) && h.Handler == handler);
            if (index >= 0)
            {
                _handlers = [.. _handlers[..index], .. _handlers[(index + 1)..]];
            }
        }
    }

    public AuthorizeError StoreFailure(Platform platform, string api, Exception exception)
    {
        Log.StoreUnavailable(Logger, exception);
        return NativePayloads.Failure(platform, api, AuthorizeErrorCode.StoreUnavailable,
            "The decision store is unavailable; nothing was granted. Retry when the store is back.");
    }

    // A conditional write from a dialog: on conflict the stored decision wins (first decision wins).
    public async ValueTask<DecisionWriteResult> WriteAsync(DecisionWrite write, DecisionState previous, CancellationToken cancellationToken)
    {
        var result = await Store.TryWriteAsync(write, cancellationToken).ConfigureAwait(false);
        if (result.Written)
        {
            OnWritten(result.Current!, previous);
        }
        else
        {
            Log.WriteConflict(Logger, write.Scope);
        }

        return result;
    }

    public void OnWritten(Decision decision, DecisionState previous)
    {
        Log.DecisionRecorded(Logger, decision.Scope, decision.State, decision.Source);
        if (decision.State == DecisionState.Granted)
        {
            Telemetry.Grants.Add(1);
        }
        else if (decision.State == DecisionState.Denied)
        {
            Telemetry.Denials.Add(1);
        }

        var handlers = Volatile.Read(ref _handlers);
        if (handlers.Length == 0)
        {
            return;
        }

        var args = new DecisionChangedEventArgs(decision, previous);
        foreach (var (sender, handler) in handlers)
        {
            try
            {
                handler(sender, args);
            }
            catch (Exception ex)
            {
                Log.DecisionChangedHandlerFailed(Logger, ex);
            }
        }
    }
}
