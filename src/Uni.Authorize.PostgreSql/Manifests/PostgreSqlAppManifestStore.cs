using System.Collections.Frozen;
using Npgsql;
using static Uni.Authorize.PostgreSql.SqlParameters;

namespace Uni.Authorize.PostgreSql;

// Apps' manifests in the schema of the other stores: one row per app, one per declared purpose.
internal sealed class PostgreSqlAppManifestStore : IAppManifestStore
{
    private readonly PostgreSqlDatabase _database;
    private readonly string _getSql;
    private readonly string _purposesSql;
    private readonly string _lockSql;
    private readonly string _putSql;
    private readonly string _clearSql;
    private readonly string _addSql;

    public PostgreSqlAppManifestStore(PostgreSqlDatabase database)
    {
        _database = database;
        var table = database.Table;
        _getSql = $"SELECT version, private_infos, updated_at FROM {table.Manifests} WHERE app_id = $1";
        _purposesSql = $"SELECT scope, description, version FROM {table.ManifestPurposes} WHERE app_id = $1";
        _lockSql = $"SELECT version FROM {table.Manifests} WHERE app_id = $1 FOR UPDATE";
        _putSql = $"""
            INSERT INTO {table.Manifests} (app_id, version, private_infos, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (app_id) DO UPDATE SET version = EXCLUDED.version, private_infos = EXCLUDED.private_infos, updated_at = EXCLUDED.updated_at
            WHERE {table.Manifests}.version = EXCLUDED.version - 1
            """;
        _clearSql = $"DELETE FROM {table.ManifestPurposes} WHERE app_id = $1";
        _addSql = $"INSERT INTO {table.ManifestPurposes} (app_id, scope, description, version) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])";
    }

    public async ValueTask<AppManifest?> GetManifestAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the manifest row and its purposes.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        long version;
        string[] infos;
        DateTimeOffset updatedAt;
        await using (var get = new NpgsqlCommand(_getSql, connection, transaction) { Parameters = { Text(appId) } })
        await using (var reader = await get.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            (version, infos, updatedAt) = (reader.GetInt64(0), reader.GetFieldValue<string[]>(1), reader.GetFieldValue<DateTimeOffset>(2));
        }

        var purposes = new Dictionary<string, DeclaredPurpose>(StringComparer.Ordinal);
        await using (var list = new NpgsqlCommand(_purposesSql, connection, transaction) { Parameters = { Text(appId) } })
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                purposes[reader.GetString(0)] = new DeclaredPurpose(reader.GetString(1), reader.GetInt64(2));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new AppManifest(appId, version, purposes.ToFrozenDictionary(StringComparer.Ordinal), infos, updatedAt);
    }

    public async ValueTask<bool> TryPutManifestAsync(AppManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentOutOfRangeException.ThrowIfLessThan(manifest.Version, 1);
        await _database.EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long stored;
        await using (var check = new NpgsqlCommand(_lockSql, connection, transaction) { Parameters = { Text(manifest.AppId) } })
        {
            stored = await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long version ? version : 0;
        }

        if (stored != manifest.Version - 1)
        {
            return false;
        }

        // The version condition in the statement settles two first versions racing (no row to lock yet): one inserts,
        // the other's update matches nothing.
        await using (var put = new NpgsqlCommand(_putSql, connection, transaction)
        {
            Parameters = { Text(manifest.AppId), Long(manifest.Version), TextArray(manifest.RequiredPrivateInfos), Time(manifest.UpdatedAt) },
        })
        {
            if (await put.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        await using (var clear = new NpgsqlCommand(_clearSql, connection, transaction) { Parameters = { Text(manifest.AppId) } })
        {
            await clear.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var add = new NpgsqlCommand(_addSql, connection, transaction)
        {
            Parameters =
            {
                Text(manifest.AppId),
                TextArray(manifest.Purposes.Keys),
                TextArray(manifest.Purposes.Values.Select(p => p.Description)),
                new NpgsqlParameter<long[]> { TypedValue = [.. manifest.Purposes.Values.Select(p => p.Version)] },
            },
        })
        {
            await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }
}
