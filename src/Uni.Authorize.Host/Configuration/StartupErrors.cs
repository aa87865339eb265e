using Microsoft.Extensions.Options;

namespace Uni.Authorize.Host;

/// <summary>Turns a configuration mistake found at start-up into one line that names the setting.</summary>
internal static class StartupErrors
{
    // Options bound from a section name their configuration path already; the store's are set from Store:* in code.
    private static readonly (string Options, string Section)[] Sections =
    [
        ("PostgreSqlStoreOptions.", "Store:"),
    ];

    /// <summary>The line to print, or <see langword="null"/> when <paramref name="exception"/> is no configuration mistake.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => OneLine(string.Join("; ", invalid.Failures)),
        AggregateException many when many.InnerExceptions.Count > 0 && many.InnerExceptions.All(static e => Describe(e) is not null) =>
            string.Join("; ", many.InnerExceptions.Select(static e => Describe(e))),
        InvalidOperationException { InnerException: { } inner } conversion when !conversion.Message.Contains(inner.Message, StringComparison.Ordinal)
            && inner is FormatException or OverflowException or ArgumentException =>
            OneLine($"{conversion.Message} {inner.Message}"),
        InvalidOperationException mistake => OneLine(mistake.Message),
        _ => null,
    };

    private static string OneLine(string message)
    {
        foreach (var (options, section) in Sections)
        {
            message = message.Replace(options, section, StringComparison.Ordinal);
        }

        return string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
