using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>What a pending call asked, so that any instance can compute its outcome.</summary>
/// <param name="Kind"><c>authorize</c>, <c>api</c>, <c>plugin</c> or <c>privacy</c>.</param>
/// <param name="Scope">The one scope asked.</param>
/// <param name="Scopes">The scopes asked (Alipay).</param>
/// <param name="Api">The gated API (<c>getLocation</c>).</param>
/// <param name="Privacy">Whether the app's privacy contract applies.</param>
/// <param name="SessionEndsAt">When the calling mini-app session ends: an "allow while using" answer lasts until then.</param>
internal sealed record CallRequest(string Kind, string? Scope, string[]? Scopes, string? Api, bool Privacy, DateTimeOffset? SessionEndsAt = null)
{
    public const string AuthorizeKind = "authorize";
    public const string ApiKind = "api";
    public const string PluginKind = "plugin";
    public const string PrivacyKind = "privacy";

    /// <summary>Runs the request through the engine for <paramref name="subject"/>.</summary>
    public ValueTask<AuthorizeOutcome> RunAsync(Authorizer authorizer, Subject subject, Platform platform, CancellationToken cancellationToken)
    {
        if (Kind == ApiKind)
        {
            return authorizer.TryAuthorizeApiAsync(Api!, subject, platform, Privacy, SessionEndsAt, cancellationToken);
        }

        if (Kind == PrivacyKind)
        {
            return authorizer.RequirePrivacyAuthorizeAsync(subject, platform, cancellationToken);
        }

        var request = Scopes is { } scopes
            ? new AuthorizeRequest(scopes) { Subject = subject, Platform = platform, RequiresPrivacyAgreement = Privacy, SessionEndsAt = SessionEndsAt }
            : new AuthorizeRequest(Scope) { Subject = subject, Platform = platform, RequiresPrivacyAgreement = Privacy, SessionEndsAt = SessionEndsAt };
        return Kind == PluginKind
            ? authorizer.TryAuthorizeForMiniProgramAsync(request, cancellationToken)
            : authorizer.TryAuthorizeAsync(request, cancellationToken);
    }
}

/// <summary>What <see cref="PendingCalls.StartAsync"/> did: the stored call, or why it was refused.</summary>
internal readonly record struct PendingStart(PendingCallRecord? Call, string? Refusal);

/// <summary>
/// Calls that wait for a consent, kept in the <see cref="IConsentStore"/> so that the app can come back for the answer
/// (long polling or SSE) through any instance. The instance that started a call computes its outcome and holds a lease
/// on it; when that instance stops, the next instance asked about the call takes the lease over and finishes it (the
/// consent and any answer given meanwhile are in the store). The engine's prompt timeout bounds every call; a finished
/// call stays readable for <see cref="UniAuthorizeHostOptions.CallRetention"/>.
/// </summary>
internal sealed partial class PendingCalls : IDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(2);

    private readonly IConsentStore _store;
    private readonly ConsentBroker _broker;
    private readonly Authorizer _authorizer;
    private readonly TimeProvider _time;
    private readonly UniAuthorizeHostOptions _options;
    private readonly TimeSpan _promptTimeout;
    private readonly CancellationToken _stopping;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Driven> _driving = new(StringComparer.Ordinal);

    // Calls computed here, per instance (""), user ("u:") and session ("s:"): the caps of the options.
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    public PendingCalls(IConsentStore store, ConsentBroker broker, Authorizer authorizer, TimeProvider time, IOptions<UniAuthorizeHostOptions> options,
        IOptions<UniAuthorizeOptions> authorizerOptions, IHostApplicationLifetime lifetime, ILogger<PendingCalls> logger)
    {
        _store = store;
        _broker = broker;
        _authorizer = authorizer;
        _time = time;
        _options = options.Value;
        _promptTimeout = authorizerOptions.Value.PromptTimeout;
        _stopping = lifetime.ApplicationStopping;
        _logger = logger;
        _store.Signaled += OnSignal;
        _ = RenewLeasesAsync(_stop.Token);
    }

    /// <summary>This instance's name in call leases.</summary>
    public string Driver { get; } = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    /// <summary>Calls this instance is computing now.</summary>
    public int Count => _driving.Count;

    /// <summary>A token for a call that may become pending: <see cref="StartAsync"/> keeps it, so that withdrawing the
    /// call ends its wait; the caller disposes it otherwise.</summary>
    public CancellationTokenSource NewCallToken() => CancellationTokenSource.CreateLinkedTokenSource(_stopping);

    /// <summary>Stores a call whose <paramref name="outcome"/> is still being computed here under <paramref name="cancel"/>
    /// (from <see cref="NewCallToken"/>, now owned by this service). Refused, with the computation cancelled, when the
    /// session, the user or this instance has as many calls waiting as the options allow: one session or user
    /// cannot take every other user's place.</summary>
    public async ValueTask<PendingStart> StartAsync(SessionContext session, CallRequest request, Task<AuthorizeOutcome> outcome,
        CancellationTokenSource cancel, CancellationToken cancellationToken)
    {
        if (TryHold(session.Session.TokenHash, session.Subject.UserId) is not { } holds)
        {
            Abandon(outcome, cancel);
            return new PendingStart(null, Refusal(session.Session.TokenHash, session.Subject.UserId));
        }

        var now = _time.GetUtcNow();
        var call = new PendingCallRecord(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)), session.Subject, session.App.Platform,
            JsonSerializer.Serialize(request, HostJson.Default.CallRequest), Driver, now + Lease, now, now + _promptTimeout + _options.CallRetention);
        try
        {
            await _store.AddCallAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(holds);
            Abandon(outcome, cancel);
            throw;
        }

        Drive(call, outcome, cancel, holds);
        return new PendingStart(call, null);
    }

    /// <summary>Stops computing an outcome nobody will read (too many calls, or the caller went away before it could
    /// learn the call's id): the engine stops waiting for it, and its consent leaves the list if no other call waits.</summary>
    public static void Abandon(Task outcome, CancellationTokenSource cancel)
    {
        cancel.Cancel();
        _ = outcome.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), cancel, TaskScheduler.Default);
    }

    /// <summary>Ends a pending call for its app (the bridge's own timeout, the caller gave up): it is finished as
    /// cancelled on every instance, the instance computing it stops waiting, and the consent leaves the user's list when
    /// no other call waits for it. <see langword="false"/> when the call had finished already.</summary>
    public async ValueTask<bool> WithdrawAsync(PendingCallRecord call, CancellationToken cancellationToken)
    {
        var withdrawn = new CallResponse("fail", PlatformNames.Of(call.Platform))
        {
            Error = new CallError("canceled", "The app withdrew the call."),
        };
        var finished = await _store.FinishCallAsync(call.Id, JsonSerializer.Serialize(withdrawn, HostJson.Default.CallResponse), _time.GetUtcNow(),
            cancellationToken).ConfigureAwait(false);
        CancelLocal(call.Id);
        return finished;
    }

    /// <summary>The call <paramref name="id"/> when <paramref name="owner"/> started it; another subject's call is not found.</summary>
    public async ValueTask<PendingCallRecord?> FindAsync(string id, Subject owner, CancellationToken cancellationToken)
    {
        if (id.Length is 0 or > 64)
        {
            return null;
        }

        var call = await _store.GetCallAsync(id, cancellationToken).ConfigureAwait(false);
        return call is not null && call.Owner == owner && call.ExpiresAt > _time.GetUtcNow() ? call : null;
    }

    /// <summary>Waits up to <paramref name="wait"/> for the call's outcome, taking the call over when its driver stopped;
    /// returns the call as it is then.</summary>
    public async Task<PendingCallRecord> WaitAsync(PendingCallRecord call, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + wait;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The signal is taken before the call is read, so that an outcome written after the read still wakes us.
            var change = _broker.Signals.NextAsync(SignalBoard.Call(call.Id));
            call = await _store.GetCallAsync(call.Id, CancellationToken.None).ConfigureAwait(false) ?? call;
            if (call.Outcome is not null)
            {
                break;
            }

            var now = _time.GetUtcNow();
            if (!_driving.ContainsKey(call.Id) && call.LeaseUntil <= now)
            {
                await TakeOverAsync(call, now, cancellationToken).ConfigureAwait(false);
            }

            var left = deadline - now;
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            // The local computation ending wakes us early; once it has ended, only its recorded outcome does.
            var local = _driving.GetValueOrDefault(call.Id)?.Outcome;
            var limit = left < _broker.RecheckInterval ? left : _broker.RecheckInterval;
            if (call.LeaseUntil > now && call.LeaseUntil - now < limit)
            {
                limit = call.LeaseUntil - now + TimeSpan.FromMilliseconds(50);
            }

            try
            {
                await _broker.WaitAsync(local is null || local.IsCompleted ? change : Task.WhenAny(change, local), limit, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return call;
    }

    public void Dispose()
    {
        _store.Signaled -= OnSignal;
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task TakeOverAsync(PendingCallRecord call, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!await _store.TryLeaseCallAsync(call.Id, Driver, now, now + Lease, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var request = JsonSerializer.Deserialize(call.Request, HostJson.Default.CallRequest)!;
        LogTakeOver(_logger);
        var cancel = NewCallToken();
        // A call taken over was admitted by its first instance: it is counted here, never refused.
        Drive(call, request.RunAsync(_authorizer, call.Owner, call.Platform, cancel.Token).AsTask(), cancel, Hold(null, call.Owner.UserId));
    }

    private void Drive(PendingCallRecord call, Task<AuthorizeOutcome> outcome, CancellationTokenSource cancel, string[] holds)
    {
        if (_driving.TryAdd(call.Id, new Driven(outcome, cancel)))
        {
            _ = FinishWhenDoneAsync(call, outcome, cancel, holds);
        }
        else
        {
            Release(holds);
            cancel.Cancel();
            cancel.Dispose();
        }
    }

    /// <summary>Counts a call of <paramref name="session"/> and <paramref name="userId"/> when every cap has room.</summary>
    private string[]? TryHold(string session, string userId)
    {
        lock (_held)
        {
            return Held(string.Empty) >= _options.MaxPendingCalls || Held("u:" + userId) >= _options.MaxPendingCallsPerUser
                || Held("s:" + session) >= _options.MaxPendingCallsPerSession
                ? null
                : Hold(session, userId);
        }
    }

    private string[] Hold(string? session, string userId)
    {
        string[] keys = session is null ? [string.Empty, "u:" + userId] : [string.Empty, "u:" + userId, "s:" + session];
        lock (_held)
        {
            foreach (var key in keys)
            {
                _held[key] = Held(key) + 1;
            }
        }

        return keys;
    }

    private void Release(string[] keys)
    {
        lock (_held)
        {
            foreach (var key in keys)
            {
                if (Held(key) <= 1)
                {
                    _held.Remove(key);
                }
                else
                {
                    _held[key]--;
                }
            }
        }
    }

    private int Held(string key) => _held.GetValueOrDefault(key);

    private string Refusal(string session, string userId)
    {
        lock (_held)
        {
            return Held("s:" + session) >= _options.MaxPendingCallsPerSession
                ? $"This session already has {_options.MaxPendingCallsPerSession} calls waiting for consent (Host:MaxPendingCallsPerSession); try again later."
                : Held("u:" + userId) >= _options.MaxPendingCallsPerUser
                    ? $"This user already has {_options.MaxPendingCallsPerUser} calls waiting for consent (Host:MaxPendingCallsPerUser); try again later."
                    : "Too many calls are waiting for consent on this instance (Host:MaxPendingCalls); try again later.";
        }
    }

    // A call finished elsewhere (withdrawn through another instance) stops being waited for here too.
    private void OnSignal(ConsentSignal signal)
    {
        if (signal.Kind == ConsentSignalKind.CallFinished)
        {
            CancelLocal(signal.Id);
        }
    }

    private void CancelLocal(string id)
    {
        if (_driving.TryGetValue(id, out var driven) && !driven.Outcome.IsCompleted)
        {
            try
            {
                driven.Cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished meanwhile.
            }
        }
    }

    private async Task FinishWhenDoneAsync(PendingCallRecord call, Task<AuthorizeOutcome> outcome, CancellationTokenSource cancel, string[] holds)
    {
        try
        {
            AuthorizeOutcome result;
            try
            {
                result = await outcome.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // This instance is stopping: leave the call to the lease, another instance finishes it.
                return;
            }

            if (result.Error is { Code: AuthorizeErrorCode.Canceled } && _stopping.IsCancellationRequested)
            {
                return;
            }

            var json = JsonSerializer.Serialize(CallResponses.From(result, call.Platform), HostJson.Default.CallResponse);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await _store.FinishCallAsync(call.Id, json, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (attempt < 5)
                {
                    LogFinishRetry(_logger, ex);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            LogFinishFailed(_logger, ex);
        }
        finally
        {
            _driving.TryRemove(call.Id, out _);
            Release(holds);
            cancel.Dispose();
        }
    }

    private async Task RenewLeasesAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewEvery, _time, stop).ConfigureAwait(false);
                if (!_driving.IsEmpty)
                {
                    await _store.RenewLeasesAsync(Driver, [.. _driving.Keys], _time.GetUtcNow() + Lease, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFinishRetry(_logger, ex);
            }
        }
    }

    private sealed record Driven(Task<AuthorizeOutcome> Outcome, CancellationTokenSource Cancel);

    [LoggerMessage(1, LogLevel.Information, "Took over a pending call whose instance stopped")]
    private static partial void LogTakeOver(ILogger logger);

    [LoggerMessage(2, LogLevel.Warning, "The consent store did not answer; retrying")]
    private static partial void LogFinishRetry(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Error, "A pending call's outcome could not be recorded")]
    private static partial void LogFinishFailed(ILogger logger, Exception exception);
}
