using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Uni.Authorize.Sqlite;

/// <summary>Auth codes in SQLite, as hashes. Redemption is one conditional <c>UPDATE ... RETURNING</c>: exactly one
/// caller, in any process, marks a code used.</summary>
internal sealed class SqliteAuthCodeStore(SqliteDatabase database) : IAuthCodeStore
{
    private const int UniqueConstraint = 2067;

    public ValueTask AddAsync(AuthCodeRecord code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        database.Run(code, static (lease, code) =>
        {
            try
            {
                return lease.Command(Sql.AddCode, code.CodeHash, code.Subject.AppId, code.Subject.UserId,
                    JsonSerializer.Serialize(code.Scopes, ScopesJson.Default.IReadOnlyListString), code.IssuedAt.UtcTicks, code.ExpiresAt.UtcTicks).ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == UniqueConstraint)
            {
                throw new InvalidOperationException("An auth code with this hash is already stored.", ex);
            }
        }, cancellationToken);
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return new(database.Run(userId, static (lease, userId) => lease.Command(Sql.EraseUserCodes, userId).ExecuteNonQuery(), cancellationToken));
    }

    public ValueTask<int> RemoveAppCodesAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return new(database.Run(appId, static (lease, appId) => lease.Command(Sql.RemoveAppCodes, appId).ExecuteNonQuery(), cancellationToken));
    }

    public ValueTask<AuthCodeRedemption> RedeemAsync(string codeHash, string appId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        ArgumentNullException.ThrowIfNull(appId);
        return new(database.Run((codeHash, appId, now), static (lease, call) =>
        {
            using (var reader = lease.Command(Sql.RedeemCode, call.codeHash, call.now.UtcTicks).ExecuteReader())
            {
                if (reader.Read())
                {
                    var code = ToRecord(reader, call.codeHash);
                    var status = code.ExpiresAt <= call.now ? AuthCodeRedemptionStatus.Expired
                        : !string.Equals(code.Subject.AppId, call.appId, StringComparison.Ordinal) ? AuthCodeRedemptionStatus.WrongApp
                        : AuthCodeRedemptionStatus.Redeemed;
                    return new AuthCodeRedemption(status, code);
                }
            }

            // Not redeemed by this call: tell an unknown code from a used one.
            using var lookup = lease.Command(Sql.FindCode, call.codeHash).ExecuteReader();
            return lookup.Read()
                ? new AuthCodeRedemption(AuthCodeRedemptionStatus.AlreadyUsed, ToRecord(lookup, call.codeHash))
                : new AuthCodeRedemption(AuthCodeRedemptionStatus.Invalid, null);
        }, cancellationToken));
    }

    public ValueTask<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneAsync(now, int.MaxValue, cancellationToken);

    public ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return new(database.Run((now, batchSize), static (lease, call) =>
            lease.Command(Sql.PruneCodes, call.now.UtcTicks, call.batchSize).ExecuteNonQuery(), cancellationToken));
    }

    private static AuthCodeRecord ToRecord(SqliteDataReader reader, string codeHash)
    {
        var scopes = JsonSerializer.Deserialize(reader.GetString(2), ScopesJson.Default.IReadOnlyListString)
            ?? throw new InvalidDataException("A stored auth code row is corrupt: no scopes.");
        return new AuthCodeRecord(codeHash, new Subject(reader.GetString(0), reader.GetString(1)), scopes,
            SqliteDecisionStore.TimeAt(reader, 3), SqliteDecisionStore.TimeAt(reader, 4));
    }
}
