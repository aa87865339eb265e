using Microsoft.Extensions.Logging;

namespace Uni.Authorize.PostgreSql;

// No app or user ids and no connection strings in logs: they identify people or hold secrets.
internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Information, "Applied PostgreSQL schema migration {Version} to schema {Schema}")]
    public static partial void MigrationApplied(ILogger logger, int version, string schema);

    [LoggerMessage(102, LogLevel.Warning, "The decision change feed is lost; caches stop answering from memory until it is back")]
    public static partial void ChangeFeedLost(ILogger logger, Exception exception);

    [LoggerMessage(103, LogLevel.Information, "The decision change feed is listening")]
    public static partial void ChangeFeedListening(ILogger logger);

    [LoggerMessage(104, LogLevel.Error, "A decision change feed handler threw")]
    public static partial void ChangeFeedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(105, LogLevel.Warning, "Ignored a malformed decision change notification")]
    public static partial void MalformedNotification(ILogger logger);
}
