using Microsoft.Data.Sqlite;
using Uni.Authorize.Sqlite;

namespace Uni.Authorize.Stores.Benchmarks;

/// <summary>The same decisions for every store: apps of 1,000 users, each user with 10 scopes.</summary>
internal static class BenchmarkData
{
    public static readonly string[] Scopes =
    [
        "scope.userInfo", "scope.userLocation", "scope.userLocationBackground", "scope.werun", "scope.record",
        "scope.writePhotosAlbum", "scope.camera", "scope.calendar", "auth_base", "auth_zhima",
    ];

    public static readonly DateTimeOffset DecidedAt = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static (string AppId, string UserId, string Scope) Row(int index) =>
        ($"app-{index / 10_000:D4}", $"user-{index / 10 % 1000:D4}", Scopes[index % 10]);

    public static DecisionState StateOf(int index) => index % 3 == 0 ? DecisionState.Denied : DecisionState.Granted;

    /// <summary>Keys to look up, in a random order that touches pages all over the table.</summary>
    public static (Subject Subject, string Scope)[] LookupKeys(int count, int keys = 4096)
    {
        var random = new Random(42);
        return [.. Enumerable.Range(0, keys).Select(_ =>
        {
            var (app, user, scope) = Row(random.Next(count));
            return (new Subject(app, user), scope);
        })];
    }

    /// <summary>A SQLite store file holding <paramref name="count"/> decisions, built once and reused across runs.</summary>
    public static string SqliteFile(int count)
    {
        var path = Path.Combine(Path.GetTempPath(), "uni-authorize-bench", $"decisions-{count}.db");
        if (File.Exists(path) && File.Exists(path + ".complete"))
        {
            return path;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        foreach (var stale in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
        {
            File.Delete(stale);
        }

        new SqliteDatabase(new SqliteStoreOptions { Path = path }).Dispose();
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO decisions VALUES ($a, $u, $s, $state, 0, $at, NULL, 1)";
        var app = insert.Parameters.Add("$a", SqliteType.Text);
        var user = insert.Parameters.Add("$u", SqliteType.Text);
        var scope = insert.Parameters.Add("$s", SqliteType.Text);
        var state = insert.Parameters.Add("$state", SqliteType.Integer);
        insert.Parameters.AddWithValue("$at", DecidedAt.UtcTicks);
        for (var i = 0; i < count; i++)
        {
            (app.Value, user.Value, scope.Value) = Row(i);
            state.Value = (int)StateOf(i);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;";
            checkpoint.ExecuteNonQuery();
        }

        File.WriteAllText(path + ".complete", count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return path;
    }
}
