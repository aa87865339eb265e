using System.Collections.Concurrent;

namespace Uni.Authorize;

/// <summary>A process-local <see cref="IAuthCodeStore"/>.</summary>
public sealed class InMemoryAuthCodeStore : IAuthCodeStore
{
    private readonly ConcurrentDictionary<string, Entry> _codes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask AddAsync(AuthCodeRecord code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (!_codes.TryAdd(code.CodeHash, new Entry(code)))
        {
            throw new InvalidOperationException("An auth code with this hash is already stored.");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<AuthCodeRedemption> RedeemAsync(string codeHash, string appId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (!_codes.TryGetValue(codeHash, out var entry))
        {
            return new(new AuthCodeRedemption(AuthCodeRedemptionStatus.Invalid, null));
        }

        // Another app's attempt does not use the code up.
        if (!string.Equals(entry.Code.Subject.AppId, appId, StringComparison.Ordinal))
        {
            return new(new AuthCodeRedemption(AuthCodeRedemptionStatus.WrongApp, entry.Code));
        }

        if (Interlocked.Exchange(ref entry.Redeemed, 1) == 1)
        {
            return new(new AuthCodeRedemption(AuthCodeRedemptionStatus.AlreadyUsed, entry.Code));
        }

        var status = entry.Code.ExpiresAt <= now ? AuthCodeRedemptionStatus.Expired : AuthCodeRedemptionStatus.Redeemed;
        return new(new AuthCodeRedemption(status, entry.Code));
    }

    /// <inheritdoc />
    public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        cancellationToken.ThrowIfCancellationRequested();
        var erased = 0;
        foreach (var pair in _codes)
        {
            if (string.Equals(pair.Value.Code.Subject.UserId, userId, StringComparison.Ordinal) && _codes.TryRemove(pair))
            {
                erased++;
            }
        }

        return new(erased);
    }

    /// <inheritdoc />
    public ValueTask<int> RemoveAppCodesAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        cancellationToken.ThrowIfCancellationRequested();
        var removed = 0;
        foreach (var pair in _codes)
        {
            if (string.Equals(pair.Value.Code.Subject.AppId, appId, StringComparison.Ordinal) && _codes.TryRemove(pair))
            {
                removed++;
            }
        }

        return new(removed);
    }

    /// <inheritdoc />
    public ValueTask<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneAsync(now, int.MaxValue, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        cancellationToken.ThrowIfCancellationRequested();
        var pruned = 0;
        foreach (var pair in _codes)
        {
            if (pruned == batchSize)
            {
                break;
            }

            if ((pair.Value.Code.ExpiresAt <= now || Volatile.Read(ref pair.Value.Redeemed) == 1) && _codes.TryRemove(pair))
            {
                pruned++;
            }
        }

        return new(pruned);
    }

    private sealed class Entry(AuthCodeRecord code)
    {
        public readonly AuthCodeRecord Code = code;
        public int Redeemed;
    }
}
