using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>
/// The host's <see cref="IAuthorizationPrompter"/>: a prompt becomes a consent in the <see cref="IConsentStore"/>, which
/// every instance sharing the store lists, and which only the signed-in user it names can answer (through the user
/// endpoints of any instance, never through a mini-app session). Concurrent prompts for one subject and scope set, on
/// any instance, share one consent. A prompt ends when the consent is answered anywhere, when a settings change decides
/// every asked scope, or when the engine gives up (its prompt timeout, or every caller stopped waiting).
/// </summary>
internal sealed class ConsentBroker : IAuthorizationPrompter, IDisposable
{
    // Signals are the fast path; a look at the store now and then covers a lost one (and a feed that is down).
    private static readonly TimeSpan RecheckWhileHealthy = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecheckWhileUnhealthy = TimeSpan.FromSeconds(1);

    private readonly IConsentStore _store;
    private readonly IDecisionStore _decisions;
    private readonly TimeProvider _time;
    private readonly IOptions<UniAuthorizeOptions> _authorizerOptions;
    private readonly CancellationToken _stopping;
    private readonly ConcurrentDictionary<string, Subject> _asking = new(StringComparer.Ordinal);
    private readonly SignalBoard _board = new();

    public ConsentBroker(IConsentStore store, IDecisionStore decisions, TimeProvider time, IOptions<UniAuthorizeOptions> authorizerOptions,
        IHostApplicationLifetime lifetime)
    {
        _stopping = lifetime.ApplicationStopping;
        _store = store;
        _decisions = decisions;
        _time = time;
        _authorizerOptions = authorizerOptions;
        _store.Signaled += _board.Raise;
    }

    public IConsentStore Store => _store;

    /// <summary>Raised signals, for waiters elsewhere in the host (calls, sessions, consent lists).</summary>
    public SignalBoard Signals => _board;

    /// <summary>How long a waiter may trust signals before looking at the store itself.</summary>
    public TimeSpan RecheckInterval => _store.IsHealthy ? RecheckWhileHealthy : RecheckWhileUnhealthy;

    public async ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();
        var candidate = new ConsentRecord(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)), request.Subject, request.Platform,
            [.. request.Scopes.Select(s => s.Name)], now, now + _authorizerOptions.Value.PromptTimeout);
        var consent = await _store.OpenConsentAsync(candidate, cancellationToken).ConfigureAwait(false);
        var waitKey = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(9));
        _asking[waitKey] = request.Subject;
        _board.Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, consent.Id, request.Subject.UserId));
        var answered = false;
        try
        {
            while (true)
            {
                var change = _board.NextAsync(SignalBoard.Consent(consent.Id));
                var current = await _store.GetConsentAsync(consent.Id, cancellationToken).ConfigureAwait(false);
                if (current is { ClosedAt: not null })
                {
                    answered = true;
                    return ConsentAnswers.Decode(current.Answer);
                }

                await WaitAsync(change, RecheckInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _asking.TryRemove(waitKey, out _);
            // Timed out or abandoned: this instance stops waiting, and the consent leaves the user's list when no instance
            // waits any more (best effort; it expires by itself otherwise). An instance that is stopping leaves its wait
            // in place: another instance finishes the calls that wait for it.
            if (!answered && !_stopping.IsCancellationRequested)
            {
                try
                {
                    await _store.ReleaseConsentAsync(consent.Id, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                }
            }

            _board.Raise(new ConsentSignal(ConsentSignalKind.ConsentChanged, consent.Id, request.Subject.UserId));
        }
    }

    /// <summary>Whether this instance is asking <paramref name="subject"/>'s user something now.</summary>
    public bool HasConsentFor(Subject subject) => _asking.Values.Any(s => s == subject);

    /// <summary>The consent <paramref name="id"/> when it is open for <paramref name="userId"/>; another user's consent is not found.</summary>
    public async ValueTask<ConsentRecord?> FindOpenAsync(string id, string userId, CancellationToken cancellationToken) =>
        await FindAsync(id, userId, cancellationToken).ConfigureAwait(false) is { } consent && consent.IsOpenAt(_time.GetUtcNow()) ? consent : null;

    /// <summary>The consent <paramref name="id"/> of <paramref name="userId"/>, open or closed (until pruned); another
    /// user's consent is not found.</summary>
    public async ValueTask<ConsentRecord?> FindAsync(string id, string userId, CancellationToken cancellationToken)
    {
        if (id.Length is 0 or > 64)
        {
            return null;
        }

        var consent = await _store.GetConsentAsync(id, cancellationToken).ConfigureAwait(false);
        return consent is not null && string.Equals(consent.Subject.UserId, userId, StringComparison.Ordinal) ? consent : null;
    }

    /// <summary>After a settings change: closes the open consents of <paramref name="subject"/> whose every scope is now
    /// decided, with those decisions as the answer, so that calls waiting on any instance end at once.</summary>
    public async ValueTask SettleDecidedAsync(Subject subject, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var consent in await _store.ListOpenConsentsAsync(subject.UserId, now, cancellationToken).ConfigureAwait(false))
        {
            if (consent.Subject != subject)
            {
                continue;
            }

            var answers = new Dictionary<string, PromptAnswer>(StringComparer.Ordinal);
            foreach (var scope in consent.Scopes)
            {
                var state = (await _decisions.GetAsync(subject, scope, cancellationToken).ConfigureAwait(false))?.EffectiveState(now) ?? DecisionState.NotDetermined;
                if (state == DecisionState.NotDetermined)
                {
                    break;
                }

                answers[scope] = state == DecisionState.Granted ? PromptAnswer.Allow : PromptAnswer.Deny;
            }

            if (answers.Count == consent.Scopes.Count)
            {
                await _store.CloseConsentAsync(consent.Id, ConsentAnswers.Encode(PromptResult.PerScope(answers), consent.Scopes), now, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits for <paramref name="change"/>, at most <paramref name="limit"/>; never throws for the timeout.</summary>
    public async Task WaitAsync(Task change, TimeSpan limit, CancellationToken cancellationToken)
    {
        try
        {
            await change.WaitAsync(limit, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    public void Dispose() => _store.Signaled -= _board.Raise;
}

/// <summary>The text form of an answer stored with a closed consent: <c>allow</c>, <c>deny</c>, <c>dismiss</c>, or one
/// <c>scope=answer</c> per line.</summary>
internal static class ConsentAnswers
{
    public static string Encode(PromptResult answer, IReadOnlyList<string> scopes)
    {
        var answers = scopes.Select(answer.AnswerFor).ToArray();
        return answers.Distinct().Count() == 1
            ? Name(answers[0])
            : string.Join('\n', scopes.Select((scope, i) => scope + "=" + Name(answers[i])));
    }

    public static PromptResult Decode(string? encoded)
    {
        if (encoded is null || !encoded.Contains('=', StringComparison.Ordinal))
        {
            return Parse(encoded) switch
            {
                PromptAnswer.Allow => PromptResult.Allow,
                PromptAnswer.AllowOnce => PromptResult.AllowOnce,
                PromptAnswer.AllowWhileUsing => PromptResult.AllowWhileUsing,
                PromptAnswer.Deny => PromptResult.Deny,
                PromptAnswer.DenyDontAskAgain => PromptResult.DenyDontAskAgain,
                _ => PromptResult.Dismissed,
            };
        }

        var answers = new Dictionary<string, PromptAnswer>(StringComparer.Ordinal);
        foreach (var line in encoded.Split('\n'))
        {
            var at = line.LastIndexOf('=');
            answers[line[..at]] = Parse(line[(at + 1)..]);
        }

        return PromptResult.PerScope(answers);
    }

    /// <summary>The answer with every refusal made with "don't ask again" ticked.</summary>
    public static PromptResult DontAskAgain(PromptResult answer, IReadOnlyList<string> scopes)
    {
        var answers = scopes.ToDictionary(scope => scope, answer.AnswerFor, StringComparer.Ordinal);
        return answers.Values.All(a => a == PromptAnswer.Deny)
            ? PromptResult.DenyDontAskAgain
            : PromptResult.PerScope(answers.ToDictionary(a => a.Key, a => a.Value == PromptAnswer.Deny ? PromptAnswer.DenyDontAskAgain : a.Value, StringComparer.Ordinal));
    }

    /// <summary>The scope definitions of canonical <paramref name="names"/> (the privacy agreement included).</summary>
    public static ScopeDefinition[] Definitions(IEnumerable<string> names) =>
        [.. names.Select(name => name == ScopeCatalog.PrivacyAgreement.Name ? ScopeCatalog.PrivacyAgreement : ScopeCatalog.TryGet(name, out var scope) ? scope : null)
            .OfType<ScopeDefinition>()];

    public static string Name(PromptAnswer answer) => answer switch
    {
        PromptAnswer.Allow => "allow",
        PromptAnswer.AllowOnce => "allowOnce",
        PromptAnswer.AllowWhileUsing => "allowWhileUsing",
        PromptAnswer.Deny => "deny",
        PromptAnswer.DenyDontAskAgain => "denyDontAskAgain",
        _ => "dismiss",
    };

    private static PromptAnswer Parse(string? name) => name switch
    {
        "allow" => PromptAnswer.Allow,
        "allowOnce" => PromptAnswer.AllowOnce,
        "allowWhileUsing" => PromptAnswer.AllowWhileUsing,
        "deny" => PromptAnswer.Deny,
        "denyDontAskAgain" => PromptAnswer.DenyDontAskAgain,
        _ => PromptAnswer.Dismissed,
    };
}
