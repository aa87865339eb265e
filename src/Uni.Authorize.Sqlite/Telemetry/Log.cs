using Microsoft.Extensions.Logging;

namespace Uni.Authorize.Sqlite;

internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Information, "SQLite store schema migrated from version {From} to {To}")]
    public static partial void Migrated(ILogger logger, int from, int to);

    [LoggerMessage(102, LogLevel.Warning, "SQLite store call failed; dropping the connection")]
    public static partial void ConnectionDropped(ILogger logger, Exception exception);

    [LoggerMessage(103, LogLevel.Error, "The SQLite database file is missing; failing every call until it is back")]
    public static partial void FileMissing(ILogger logger);
}
