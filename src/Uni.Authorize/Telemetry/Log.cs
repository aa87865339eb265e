using Microsoft.Extensions.Logging;

namespace Uni.Authorize;

// No app or user ids at Information level or above: they identify people.
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Showing a consent dialog on {Platform} for {ScopeCount} scope(s)")]
    public static partial void PromptShown(ILogger logger, Platform platform, int scopeCount);

    [LoggerMessage(2, LogLevel.Information, "Decision recorded: {Scope} {State} by {Source}")]
    public static partial void DecisionRecorded(ILogger logger, string scope, DecisionState state, DecisionSource source);

    [LoggerMessage(3, LogLevel.Warning, "Consent dialog timed out after {Timeout}; nothing granted")]
    public static partial void PromptTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(4, LogLevel.Error, "The prompter failed; nothing granted")]
    public static partial void PromptFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Error, "The decision store is unavailable; failing closed")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Error, "A DecisionChanged handler threw; the decision stays recorded")]
    public static partial void DecisionChangedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(7, LogLevel.Information, "Decision write for {Scope} lost to a concurrent write; using the stored decision")]
    public static partial void WriteConflict(ILogger logger, string scope);

    [LoggerMessage(8, LogLevel.Information, "Housekeeping pruned {Count} {Kind}")]
    public static partial void Pruned(ILogger logger, string kind, int count);

    [LoggerMessage(9, LogLevel.Error, "Housekeeping of {Kind} failed after pruning {Count}; the next round tries again")]
    public static partial void HousekeepingTaskFailed(ILogger logger, string kind, int count, Exception exception);

    [LoggerMessage(10, LogLevel.Debug, "Housekeeping round skipped: another instance holds the housekeeping lock")]
    public static partial void HousekeepingSkipped(ILogger logger);

    [LoggerMessage(11, LogLevel.Error, "The housekeeping lock failed; the next round tries again")]
    public static partial void HousekeepingLockFailed(ILogger logger, Exception exception);

    [LoggerMessage(12, LogLevel.Information, "Housekeeping is disabled")]
    public static partial void HousekeepingDisabled(ILogger logger);

    [LoggerMessage(13, LogLevel.Warning, "No IAuthorizationPrompter is registered, so {Scope} cannot be asked and fails; set UniAuthorizeOptions.Prompter or register an IAuthorizationPrompter service")]
    public static partial void NoPrompter(ILogger logger, string scope);

    [LoggerMessage(40, LogLevel.Error, "{Count} access records could not be written and were dropped")]
    public static partial void AccessRecordsNotWritten(ILogger logger, int count, Exception exception);
}
