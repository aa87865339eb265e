using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>A consent dialog waiting for its user.</summary>
internal sealed class PendingConsent(string id, PromptRequest request, DateTimeOffset createdAt, DateTimeOffset expiresAt)
{
    public string Id { get; } = id;

    public PromptRequest Request { get; } = request;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public TaskCompletionSource<PromptResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The host's <see cref="IAuthorizationPrompter"/>: a prompt becomes a pending consent that only the signed-in user it
/// names can answer, through the user endpoints (never through a mini-app session). It ends when the user answers or
/// when the engine gives up (its prompt timeout, or every caller stopped waiting).
/// </summary>
internal sealed class ConsentBroker(TimeProvider time, IOptions<AuthorizerOptions> authorizerOptions) : IAuthorizationPrompter
{
    private readonly ConcurrentDictionary<string, PendingConsent> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count => _pending.Count;

    public async ValueTask<PromptResult> PromptAsync(PromptRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = time.GetUtcNow();
        var consent = new PendingConsent(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)), request, now, now + authorizerOptions.Value.PromptTimeout);
        _pending[consent.Id] = consent;
        SignalChange();
        try
        {
            return await consent.Answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(consent.Id, out _);
            SignalChange();
        }
    }

    /// <summary>The consents waiting for <paramref name="userId"/>, oldest first.</summary>
    public IReadOnlyList<PendingConsent> ForUser(string userId) =>
        [.. _pending.Values.Where(c => string.Equals(c.Request.Subject.UserId, userId, StringComparison.Ordinal)).OrderBy(c => c.CreatedAt)];

    /// <summary>Whether a consent of <paramref name="subject"/> waits for its user.</summary>
    public bool HasConsentFor(Subject subject) => _pending.Values.Any(c => c.Request.Subject == subject);

    /// <summary>The consent <paramref name="id"/> when it waits for <paramref name="userId"/>; another user's consent is not found.</summary>
    public PendingConsent? Find(string id, string userId) =>
        _pending.TryGetValue(id, out var consent) && string.Equals(consent.Request.Subject.UserId, userId, StringComparison.Ordinal) ? consent : null;

    /// <summary>Answers consent <paramref name="id"/> for <paramref name="userId"/>; <see langword="false"/> when no such consent waits for that user.</summary>
    public bool TryAnswer(string id, string userId, PromptResult answer) =>
        Find(id, userId) is { } consent && consent.Answer.TrySetResult(answer);

    /// <summary>Completes when any consent appears or ends (or when <paramref name="cancellationToken"/> fires).</summary>
    public Task WaitForChangeAsync(CancellationToken cancellationToken) => Volatile.Read(ref _changed).Task.WaitAsync(cancellationToken);

    private void SignalChange() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
