namespace Uni.Authorize.PostgreSql;

// The payload of the consent channel: "<kind>|<id>|<user id>", kind c (consent), f (call finished), s (session revoked).
internal static class ConsentSignals
{
    public static string Format(ConsentSignal signal) =>
        Kind(signal.Kind) + "|" + signal.Id + "|" + signal.UserId;

    public static char Kind(ConsentSignalKind kind) => kind switch
    {
        ConsentSignalKind.CallFinished => 'f',
        ConsentSignalKind.SessionRevoked => 's',
        _ => 'c',
    };

    public static bool TryParse(string payload, out ConsentSignal signal)
    {
        signal = default;
        var parts = payload.Split('|');
        if (parts.Length != 3 || parts[0].Length != 1 || parts[1].Length == 0)
        {
            return false;
        }

        ConsentSignalKind? kind = parts[0][0] switch
        {
            'c' => ConsentSignalKind.ConsentChanged,
            'f' => ConsentSignalKind.CallFinished,
            's' => ConsentSignalKind.SessionRevoked,
            _ => null,
        };
        if (kind is null)
        {
            return false;
        }

        signal = new ConsentSignal(kind.Value, parts[1], parts[2].Length == 0 ? null : parts[2]);
        return true;
    }
}
