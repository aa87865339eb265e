using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>An authorize call still waiting for its user, readable by the session that started it.</summary>
internal sealed class PendingCall(string id, Subject owner, Platform platform, Task<AuthorizeOutcome> outcome)
{
    public string Id { get; } = id;

    public Subject Owner { get; } = owner;

    public Platform Platform { get; } = platform;

    public Task<AuthorizeOutcome> Outcome { get; } = outcome;
}

/// <summary>
/// Keeps calls that wait for a consent so that the caller can come back for the answer (long polling or SSE) after its
/// HTTP request ended. The engine's own prompt timeout bounds every call; a finished call is kept for
/// <see cref="UniAuthorizeHostOptions.CallRetention"/> and then forgotten.
/// </summary>
internal sealed class PendingCalls(TimeProvider time, IOptions<UniAuthorizeHostOptions> options)
{
    public const int MaxCalls = 10_000;
    private readonly ConcurrentDictionary<string, PendingCall> _calls = new(StringComparer.Ordinal);

    public int Count => _calls.Count;

    /// <summary>Tracks <paramref name="outcome"/>; <see langword="null"/> when too many calls are pending.</summary>
    public PendingCall? Track(Subject owner, Platform platform, Task<AuthorizeOutcome> outcome)
    {
        if (_calls.Count >= MaxCalls)
        {
            return null;
        }

        var call = new PendingCall(Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)), owner, platform, outcome);
        _calls[call.Id] = call;
        _ = ForgetAfterRetentionAsync(call);
        return call;
    }

    /// <summary>The call <paramref name="id"/> when <paramref name="owner"/> started it; another subject's call is not found.</summary>
    public PendingCall? Find(string id, Subject owner) =>
        _calls.TryGetValue(id, out var call) && call.Owner == owner ? call : null;

    private async Task ForgetAfterRetentionAsync(PendingCall call)
    {
        try
        {
            await call.Outcome.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A failed or cancelled call is forgotten like a finished one.
        }

        await Task.Delay(options.Value.CallRetention, time).ConfigureAwait(false);
        _calls.TryRemove(call.Id, out _);
    }
}
