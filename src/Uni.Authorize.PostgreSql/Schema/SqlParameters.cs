using Npgsql;
using NpgsqlTypes;

namespace Uni.Authorize.PostgreSql;

// Typed positional parameters ($1, $2, ...): no boxing, and timestamps always sent as UTC timestamptz.
internal static class SqlParameters
{
    public static NpgsqlParameter<string> Text(string value) => new() { TypedValue = value ?? throw new ArgumentNullException(nameof(value)) };

    public static NpgsqlParameter NullableText(string? value) =>
        value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text } : Text(value);

    public static NpgsqlParameter<string[]> TextArray(IEnumerable<string> values) => new() { TypedValue = [.. values] };

    public static NpgsqlParameter<short> Small(short value) => new() { TypedValue = value };

    public static NpgsqlParameter<int> Int(int value) => new() { TypedValue = value };

    public static NpgsqlParameter<long> Long(long value) => new() { TypedValue = value };

    public static NpgsqlParameter Time(DateTimeOffset? value) =>
        value is { } at
            ? new NpgsqlParameter<DateTimeOffset> { TypedValue = at.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
