namespace Uni.Authorize.AspNetCore;

/// <summary>The webhook store as the host uses it: an endpoint's signing secret is encrypted on the way in and decrypted
/// on the way out (<see cref="AtRestProtection"/>); a secret stored in plain text by an earlier version is read as it
/// is and stored again encrypted.</summary>
internal sealed class ProtectedWebhookStore(IWebhookStore inner, AtRestProtection protection) : IWebhookStore
{
    public async ValueTask<WebhookEndpoint?> GetEndpointAsync(string appId, CancellationToken cancellationToken = default)
    {
        if (await inner.GetEndpointAsync(appId, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return null;
        }

        if (AtRestProtection.IsProtected(stored.Secret))
        {
            return stored with { Secret = protection.UnprotectWebhookSecret(appId, stored.Secret) };
        }

        // The same URL and time: only the secret's form changes.
        await inner.SetEndpointAsync(stored with { Secret = protection.ProtectWebhookSecret(appId, stored.Secret) }, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    public ValueTask SetEndpointAsync(WebhookEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return inner.SetEndpointAsync(endpoint with { Secret = protection.ProtectWebhookSecret(endpoint.AppId, endpoint.Secret) }, cancellationToken);
    }

    public ValueTask<bool> RemoveEndpointAsync(string appId, CancellationToken cancellationToken = default) => inner.RemoveEndpointAsync(appId, cancellationToken);

    public ValueTask<IReadOnlyList<WebhookEvent>> ListDueAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default) =>
        inner.ListDueAsync(now, batchSize, cancellationToken);

    public ValueTask<bool> CompleteAsync(string eventId, CancellationToken cancellationToken = default) => inner.CompleteAsync(eventId, cancellationToken);

    public ValueTask RetryAsync(string eventId, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken = default) =>
        inner.RetryAsync(eventId, nextAttemptAt, cancellationToken);

    public ValueTask<bool> TryAcquireLeaseAsync(string holder, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        inner.TryAcquireLeaseAsync(holder, now, until, cancellationToken);

    public ValueTask<int> ForgetUserAsync(string userId, Func<string, CancellationToken, ValueTask<string>> openIdOf, CancellationToken cancellationToken = default) =>
        inner.ForgetUserAsync(userId, openIdOf, cancellationToken);
}
