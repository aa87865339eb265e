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

    /// <summary>The folder of the generated stores: <c>UNI_AUTHORIZE_BENCH_DATA</c>, or a folder under the temporary one
    /// that keeps them across runs.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable("UNI_AUTHORIZE_BENCH_DATA") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Path.GetTempPath(), "uni-authorize-bench");

    /// <summary>A SQLite store file holding <paramref name="count"/> decisions, built once and reused across runs.</summary>
    /// <remarks>One granted and one denied decision are written through the store itself; every row is a copy of one of
    /// them with its own key, every other column read from the table as the store wrote it. A column the schema gains
    /// later is filled the way the store fills it, so the data cannot fall behind the schema.</remarks>
    public static string SqliteFile(int count)
    {
        var path = Path.Combine(Folder, $"decisions-{count}.db");
        if (File.Exists(path) && File.Exists(path + ".complete"))
        {
            return path;
        }

        Directory.CreateDirectory(Folder);
        foreach (var stale in Directory.GetFiles(Folder, Path.GetFileName(path) + "*"))
        {
            File.Delete(stale);
        }

        const string TemplateApp = "bench-template";
        using (var database = new SqliteDatabase(new SqliteStoreOptions { Path = path }))
        {
            var store = new SqliteDecisionStore(database);
            foreach (var state in new[] { DecisionState.Granted, DecisionState.Denied })
            {
                var written = store.TryWriteAsync(new DecisionWrite(new Subject(TemplateApp, state.ToString()), Scopes[0], state,
                    DecisionSource.Prompt, DecidedAt, null, 0)).AsTask().GetAwaiter().GetResult();
                if (!written.Written)
                {
                    throw new InvalidOperationException("The template decision was not written.");
                }
            }
        }

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        var copied = new List<string>();
        using (var columns = connection.CreateCommand())
        {
            columns.CommandText = "SELECT name FROM pragma_table_info('decisions')";
            using var reader = columns.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetString(0) is not ("app_id" or "user_id" or "scope") and var name)
                {
                    copied.Add(name);
                }
            }
        }

        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        var list = string.Join(", ", copied);
        insert.CommandText =
            $"INSERT INTO decisions (app_id, user_id, scope, {list}) SELECT $a, $u, $s, {list} FROM decisions WHERE app_id = '{TemplateApp}' AND user_id = $template";
        var app = insert.Parameters.Add("$a", SqliteType.Text);
        var user = insert.Parameters.Add("$u", SqliteType.Text);
        var scope = insert.Parameters.Add("$s", SqliteType.Text);
        var template = insert.Parameters.Add("$template", SqliteType.Text);
        for (var i = 0; i < count; i++)
        {
            (app.Value, user.Value, scope.Value) = Row(i);
            template.Value = StateOf(i).ToString();
            if (insert.ExecuteNonQuery() != 1)
            {
                throw new InvalidOperationException("A decision was not copied from its template.");
            }
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
