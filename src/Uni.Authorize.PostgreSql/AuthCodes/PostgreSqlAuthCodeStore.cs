using Npgsql;
using static Uni.Authorize.PostgreSql.SqlParameters;

namespace Uni.Authorize.PostgreSql;

// Auth codes in PostgreSQL, by hash only. Redemption is one UPDATE that claims the row only while it is unredeemed:
// of any number of concurrent redeemers in any number of processes, exactly one gets the row back.
internal sealed class PostgreSqlAuthCodeStore : IAuthCodeStore
{
    private const string UniqueViolation = "23505";
    private const string Columns = "app_id, user_id, scopes, issued_at, expires_at";

    private readonly PostgreSqlDatabase _database;
    private readonly string _addSql;
    private readonly string _redeemSql;
    private readonly string _findSql;
    private readonly string _pruneSql;
    private readonly string _eraseSql;
    private readonly string _removeAppSql;

    public PostgreSqlAuthCodeStore(PostgreSqlDatabase database)
    {
        _database = database;
        var table = database.Table.AuthCodes;
        _addSql = $"INSERT INTO {table} (code_hash, {Columns}) VALUES ($1, $2, $3, $4, $5, $6)";
        _redeemSql = $"UPDATE {table} SET redeemed_at = $2 WHERE code_hash = $1 AND app_id = $3 AND redeemed_at IS NULL RETURNING {Columns}";
        _findSql = $"SELECT {Columns} FROM {table} WHERE code_hash = $1";
        _eraseSql = $"DELETE FROM {table} WHERE user_id = $1";
        _removeAppSql = $"DELETE FROM {table} WHERE app_id = $1";
        _pruneSql = $"""
            DELETE FROM {table} WHERE code_hash IN
                (SELECT code_hash FROM {table} WHERE expires_at <= $1 OR redeemed_at IS NOT NULL LIMIT $2 FOR UPDATE SKIP LOCKED)
            """;
    }

    public async ValueTask AddAsync(AuthCodeRecord code, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(code.Scopes);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(
            _addSql,
            Text(code.CodeHash),
            Text(code.Subject.AppId),
            Text(code.Subject.UserId),
            TextArray(code.Scopes),
            Time(code.IssuedAt),
            Time(code.ExpiresAt));
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            throw new InvalidOperationException("An auth code with this hash is already stored.", ex);
        }
    }

    public async ValueTask<int> EraseUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_eraseSql, Text(userId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> RemoveAppCodesAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_removeAppSql, Text(appId));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<AuthCodeRedemption> RedeemAsync(string codeHash, string appId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codeHash);
        ArgumentNullException.ThrowIfNull(appId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        AuthCodeRecord? claimed;
        // Only the code's own app claims it: another app's attempt leaves it redeemable.
        await using (var redeem = _database.Command(_redeemSql, Text(codeHash), Time(now), Text(appId)))
        {
            claimed = await ReadOneAsync(redeem, codeHash, cancellationToken).ConfigureAwait(false);
        }

        if (claimed is null)
        {
            await using var find = _database.Command(_findSql, Text(codeHash));
            var stored = await ReadOneAsync(find, codeHash, cancellationToken).ConfigureAwait(false);
            var status = stored is null ? AuthCodeRedemptionStatus.Invalid
                : string.Equals(stored.Subject.AppId, appId, StringComparison.Ordinal) ? AuthCodeRedemptionStatus.AlreadyUsed
                : AuthCodeRedemptionStatus.WrongApp;
            return new AuthCodeRedemption(status, stored);
        }

        return new AuthCodeRedemption(claimed.ExpiresAt <= now ? AuthCodeRedemptionStatus.Expired : AuthCodeRedemptionStatus.Redeemed, claimed);
    }

    public ValueTask<int> PruneAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        PruneAsync(now, int.MaxValue, cancellationToken);

    public async ValueTask<int> PruneAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var command = _database.Command(_pruneSql, Time(now), Int(batchSize));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<AuthCodeRecord?> ReadOneAsync(NpgsqlCommand command, string codeHash, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new AuthCodeRecord(
            codeHash,
            new Subject(reader.GetString(0), reader.GetString(1)),
            reader.GetFieldValue<string[]>(2),
            reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetFieldValue<DateTimeOffset>(4));
    }
}
