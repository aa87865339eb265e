namespace Uni.Authorize;

/// <summary>What <see cref="Authorizer.PruneAsync"/> deleted.</summary>
/// <param name="Decisions">Expired decisions (their audit entries stay).</param>
/// <param name="AuthCodes">Expired or redeemed auth codes.</param>
public readonly record struct PruneResult(int Decisions, int AuthCodes);

public sealed partial class Authorizer
{
    /// <summary>Deletes expired decisions and expired or redeemed auth codes; run it now and then (for example hourly).
    /// An expired decision already counts as not determined, so pruning changes no answer.</summary>
    /// <exception cref="AuthorizeException">A store is unavailable.</exception>
    public async ValueTask<PruneResult> PruneAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        try
        {
            var decisions = await _store.PruneExpiredAsync(now, cancellationToken).ConfigureAwait(false);
            var codes = await _codes.PruneAsync(now, cancellationToken).ConfigureAwait(false);
            return new PruneResult(decisions, codes);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new AuthorizeException(StoreFailure(Platform, "prune", ex));
        }
    }
}
