using System.Collections.Frozen;

namespace Uni.Authorize.Sqlite;

/// <summary>Apps' manifests in the SQLite file of the other stores: one row per app, one per declared purpose.</summary>
internal sealed class SqliteAppManifestStore(SqliteDatabase database) : IAppManifestStore
{
    public ValueTask<AppManifest?> GetManifestAsync(string appId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appId);
        return new(database.Run(appId, static (lease, appId) =>
        {
            long version;
            string infos;
            DateTimeOffset updatedAt;
            using (var reader = lease.Command(Sql.GetManifest, appId).ExecuteReader())
            {
                if (!reader.Read())
                {
                    return null;
                }

                (version, infos, updatedAt) = (reader.GetInt64(0), reader.GetString(1), SqliteDecisionStore.TimeAt(reader, 2));
            }

            var purposes = new Dictionary<string, DeclaredPurpose>(StringComparer.Ordinal);
            using (var reader = lease.Command(Sql.ListManifestPurposes, appId).ExecuteReader())
            {
                while (reader.Read())
                {
                    purposes[reader.GetString(0)] = new DeclaredPurpose(reader.GetString(1), reader.GetInt64(2));
                }
            }

            return new AppManifest(appId, version, purposes.ToFrozenDictionary(StringComparer.Ordinal),
                infos.Split(' ', StringSplitOptions.RemoveEmptyEntries), updatedAt);
        }, cancellationToken));
    }

    public ValueTask<bool> TryPutManifestAsync(AppManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentOutOfRangeException.ThrowIfLessThan(manifest.Version, 1);
        return new(database.Run(manifest, static (lease, manifest) =>
        {
            lease.Execute(Sql.BeginWrite);
            long stored;
            using (var reader = lease.Command(Sql.GetManifest, manifest.AppId).ExecuteReader())
            {
                stored = reader.Read() ? reader.GetInt64(0) : 0;
            }

            if (stored != manifest.Version - 1)
            {
                lease.Execute(Sql.Rollback);
                return false;
            }

            // API names have no spaces (the manifest reader accepts only WeChat's fixed list).
            lease.Command(Sql.PutManifest, manifest.AppId, manifest.Version, string.Join(' ', manifest.RequiredPrivateInfos), manifest.UpdatedAt.UtcTicks)
                .ExecuteNonQuery();
            lease.Command(Sql.ClearManifestPurposes, manifest.AppId).ExecuteNonQuery();
            foreach (var (scope, purpose) in manifest.Purposes)
            {
                lease.Command(Sql.AddManifestPurpose, manifest.AppId, scope, purpose.Description, purpose.Version).ExecuteNonQuery();
            }

            lease.Execute(Sql.Commit);
            return true;
        }, cancellationToken));
    }
}
