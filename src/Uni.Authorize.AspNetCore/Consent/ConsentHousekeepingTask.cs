using Microsoft.Extensions.Options;

namespace Uni.Authorize.AspNetCore;

/// <summary>Prunes consents and calls that ended (or expired) longer than <see cref="UniAuthorizeHostOptions.CallRetention"/>
/// ago: by then no waiter reads them any more, and a retried answer has had its window.</summary>
internal sealed class ConsentHousekeepingTask(IConsentStore store, IOptions<UniAuthorizeHostOptions> options) : IHousekeepingTask
{
    public string Name => "consents";

    public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        store.PruneAsync(now - options.Value.CallRetention, batchSize, cancellationToken);
}
