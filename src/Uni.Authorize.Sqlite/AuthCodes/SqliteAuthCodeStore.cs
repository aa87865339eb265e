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
            // Only the code's own app claims it: another app's attempt leaves it redeemable.
            using (var reader = lease.Command(Sql.RedeemCode, call.codeHash, call.now.UtcTicks, call.appId).ExecuteReader())
            {
                if (reader.Read())
                {
                    var code = ToRecord(reader, call.codeHash);
                    return new AuthCodeRedemption(code.ExpiresAt <= call.now ? AuthCodeRedemptionStatus.Expired : AuthCodeRedemptionStatus.Redeemed, code);
                }
            }

            // Not redeemed by this call: tell an unknown code from another app's and from a used one.
            using var lookup = lease.Command(Sql.FindCode, call.codeHash).ExecuteReader();
            if (!lookup.Read())
            {
                return new AuthCodeRedemption(AuthCodeRedemptionStatus.Invalid, null);
            }

            var stored = ToRecord(lookup, call.codeHash);
            return new AuthCodeRedemption(
                string.Equals(stored.Subject.AppId, call.appId, StringComparison.Ordinal) ? AuthCodeRedemptionStatus.AlreadyUsed : AuthCodeRedemptionStatus.WrongApp,
                stored);
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
