namespace Uni.Authorize;

/// <summary>
/// Where the uses of gated APIs are kept for the access report: which app ran which API of which scope for which user,
/// and when; never the data the API returned. Implementations are safe for concurrent use, compare ids ordinally and
/// throw when the backing store cannot answer.
/// </summary>
public interface IAccessRecordStore
{
    /// <summary>Adds <paramref name="records"/> in one step. The list is reused after the call: copy what you keep.</summary>
    ValueTask AppendAsync(IReadOnlyList<AccessRecord> records, CancellationToken cancellationToken = default);

    /// <summary>The user's uses since <paramref name="since"/> per app, scope and API, ordered by app, scope and API;
    /// only <paramref name="appId"/>'s when it is given.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="appId">One app, or <see langword="null"/> for every app.</param>
    /// <param name="today">Where the user's today began: <see cref="AccessSummary.Today"/> counts the uses from then on.</param>
    /// <param name="since">The start of the window <see cref="AccessSummary.Count"/> counts (the retention window).</param>
    /// <param name="cancellationToken">Ends the call.</param>
    ValueTask<IReadOnlyList<AccessSummary>> SummarizeUserAsync(
        string userId, string? appId, DateTimeOffset today, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Every user's uses since <paramref name="since"/> per app, scope and API, ordered by app, scope and API;
    /// only <paramref name="appId"/>'s when it is given.</summary>
    ValueTask<IReadOnlyList<AccessAggregate>> AggregateAsync(string? appId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Every record of the user, oldest first (the user's data export).</summary>
    ValueTask<IReadOnlyList<AccessRecord>> ListUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes at most <paramref name="batchSize"/> records made before <paramref name="before"/>; returns how many went.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
    ValueTask<int> PruneAsync(DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>Deletes every record of the user; returns how many went.</summary>
    ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default);
}

/// <summary>One use of a gated API that ran.</summary>
/// <param name="AppId">The app that called it.</param>
/// <param name="UserId">The host's user id.</param>
/// <param name="Scope">The canonical scope the API needs (<c>scope.userLocation</c>), or empty for an API the platform
/// runs without asking (<c>chooseImage</c> on WeChat).</param>
/// <param name="Api">The API's name (<c>getLocation</c>).</param>
/// <param name="At">When it ran.</param>
public readonly record struct AccessRecord(string AppId, string UserId, string Scope, string Api, DateTimeOffset At);

/// <summary>One user's uses of one API of one app.</summary>
/// <param name="AppId">The app.</param>
/// <param name="Scope">The scope (empty for an API run without asking).</param>
/// <param name="Api">The API.</param>
/// <param name="Today">Uses since the start of the user's today.</param>
/// <param name="Count">Uses in the window asked for.</param>
/// <param name="LastAt">The latest use.</param>
public sealed record AccessSummary(string AppId, string Scope, string Api, int Today, int Count, DateTimeOffset LastAt);

/// <summary>Every user's uses of one API of one app.</summary>
/// <param name="AppId">The app.</param>
/// <param name="Scope">The scope (empty for an API run without asking).</param>
/// <param name="Api">The API.</param>
/// <param name="Count">Uses in the window asked for.</param>
/// <param name="Users">How many users they were made for.</param>
/// <param name="LastAt">The latest use.</param>
public sealed record AccessAggregate(string AppId, string Scope, string Api, long Count, long Users, DateTimeOffset LastAt);
