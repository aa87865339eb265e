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
            // "Allow while using" lasts as long as the asking call's session, which only the instance that asked knows:
            // that instance records it.
            var given = answer.AnswerFor(scope.Name);
            // A scope asked at every call keeps no answer: only the call that asked learns it.
            if (scope.Platforms.TryGetValue(request.Platform, out var rule) && rule.PromptMode == ScopePromptMode.EveryCall)
            {
                continue;
            }

            if (given == PromptAnswer.AllowWhileUsing
                || Answered(given, now, sessionEndsAt: null, rule) is not var (state, lifetime, expiresAt))
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

                var write = new DecisionWrite(request.Subject, scope.Name, state, DecisionSource.Prompt, now, expiresAt, current?.Version ?? 0)
                {
                    PurposeVersion = manifest?.PurposeVersionOf(scope.Name) ?? 0,
                    Lifetime = lifetime,
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
