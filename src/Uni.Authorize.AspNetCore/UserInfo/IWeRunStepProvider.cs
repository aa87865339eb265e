namespace Uni.Authorize.AspNetCore;

/// <summary>
/// The step counts behind WeChat's <c>getWeRunData</c>, from a source the operator trusts (a health service, a
/// pedometer feed the host's own server receives). The host seals only what this provider answers with the app's
/// session key; a caller's own step counts are never sealed. Without one the host answers the platform's "not supported".
/// </summary>
public interface IWeRunStepProvider
{
    /// <summary>The user's daily step counts, oldest first: at most 31 days, each 0 to 1,000,000 steps.</summary>
    ValueTask<IReadOnlyList<WeRunStepInfo>> GetStepsAsync(WeRunStepRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One <c>getWeRunData</c> call of a mini-app whose user granted <c>scope.werun</c>.</summary>
/// <param name="AppId">The calling app.</param>
/// <param name="UserId">The host's user the session belongs to.</param>
public sealed record WeRunStepRequest(string AppId, string UserId);

/// <summary>The steps of one day.</summary>
/// <param name="Timestamp">The start of the day (WeChat's <c>timestamp</c>, in Unix seconds when sealed).</param>
/// <param name="Step">The steps walked that day, 0 to 1,000,000.</param>
public sealed record WeRunStepInfo(DateTimeOffset Timestamp, int Step);
