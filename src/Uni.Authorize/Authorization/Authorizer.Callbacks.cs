namespace Uni.Authorize;

public sealed partial class Authorizer
{
    /// <summary>
    /// The seed's callback form: calls <c>Success</c> or <c>Fail</c>, then <c>Complete</c>, each exactly once.
    /// Every failure, cancellation included, goes to <c>Fail</c>. The returned task completes after <c>Complete</c>;
    /// it faults only when a callback threw (<c>Complete</c> still runs after a throwing <c>Success</c> or <c>Fail</c>;
    /// two throwing callbacks give an <see cref="AggregateException"/>). Decisions are stored before any callback runs,
    /// so a throwing callback never changes them.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public Task Authorize(AuthorizeCallbackRequest options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValueTask<AuthorizeOutcome> pending;
        try
        {
            pending = TryAuthorizeAsync(options.ToRequest(), options.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            return Deliver(options, Canceled(options));
        }

        return pending.IsCompletedSuccessfully ? Deliver(options, pending.Result) : DeliverAsync(options, pending);
    }

    private async Task DeliverAsync(AuthorizeCallbackRequest options, ValueTask<AuthorizeOutcome> pending)
    {
        AuthorizeOutcome outcome;
        try
        {
            outcome = await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = Canceled(options);
        }

        await Deliver(options, outcome).ConfigureAwait(false);
    }

    private AuthorizeOutcome Canceled(AuthorizeCallbackRequest options) =>
        new(NativePayloads.Failure(options.Platform ?? Platform, ResolvedScope.AuthorizeApi, AuthorizeErrorCode.Canceled, "The caller cancelled the call."));

    private static Task Deliver(AuthorizeCallbackRequest options, AuthorizeOutcome outcome)
    {
        List<Exception>? thrown = null;
        try
        {
            if (outcome.Result is { } result)
            {
                options.Success?.Invoke(result);
            }
            else
            {
                options.Fail?.Invoke(outcome.Error!);
            }
        }
        catch (Exception ex)
        {
            (thrown ??= []).Add(ex);
        }

        try
        {
            options.Complete?.Invoke(outcome);
        }
        catch (Exception ex)
        {
            (thrown ??= []).Add(ex);
        }

        return thrown switch
        {
            null => Task.CompletedTask,
            [var single] => Task.FromException(single),
            _ => Task.FromException(new AggregateException(thrown)),
        };
    }
}
