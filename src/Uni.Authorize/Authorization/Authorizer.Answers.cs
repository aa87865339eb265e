namespace Uni.Authorize;

public sealed partial class Authorizer
{
    /// <summary>Records a consent answer given outside this engine's own prompt (the user answered through another
    /// process, perhaps after the process that asked stopped): each asked scope that is still undetermined takes the
    /// answer with the prompt's lifetimes; a scope decided meanwhile keeps its decision.</summary>
    /// <exception cref="AuthorizeException">The store is unavailable.</exception>
    public async ValueTask RecordPromptAnswerAsync(PromptRequest request, PromptResult answer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(answer);
        request.Subject.EnsureValid();
        var now = _time.GetUtcNow();
        var (manifest, failure) = await ManifestAsync(request.Subject, request.Platform, ResolvedScope.AuthorizeApi, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            throw new AuthorizeException(failure);
        }

        foreach (var scope in request.Scopes)
        {
            var state = answer.AnswerFor(scope.Name) switch
            {
                PromptAnswer.Allow => DecisionState.Granted,
                PromptAnswer.Deny => DecisionState.Denied,
                _ => DecisionState.NotDetermined,
            };
            if (state == DecisionState.NotDetermined)
            {
                continue;
            }

            try
            {
                var current = await _store.GetAsync(request.Subject, scope.Name, cancellationToken).ConfigureAwait(false);
                if (StateOf(current, now, manifest) != DecisionState.NotDetermined)
                {
                    continue;
                }

                var lifetime = state == DecisionState.Granted ? _grantLifetime : _denialLifetime;
                var write = new DecisionWrite(request.Subject, scope.Name, state, DecisionSource.Prompt, now, now + lifetime, current?.Version ?? 0)
                {
                    PurposeVersion = manifest?.PurposeVersionOf(scope.Name) ?? 0,
                };
                await WriteAsync(write, current?.State ?? DecisionState.NotDetermined, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new AuthorizeException(StoreFailure(request.Platform, "authorize", ex));
            }
        }
    }
}
