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

    [LoggerMessage(104, LogLevel.Warning, "The SQLite file {File} could be read by other users (mode {Mode}); it is now owner-only; whoever could read it may have copied what it held")]
    public static partial void FileNarrowed(ILogger logger, string file, string mode);

    [LoggerMessage(105, LogLevel.Warning, "The SQLite file {File} could be read by other users and could not be made owner-only: {Reason}")]
    public static partial void FileNotNarrowed(ILogger logger, string file, string reason);
}
