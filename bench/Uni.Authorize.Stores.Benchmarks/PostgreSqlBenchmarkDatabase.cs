using Npgsql;
using Uni.Authorize.PostgreSql;

namespace Uni.Authorize.Stores.Benchmarks;

// A schema of its own in the server named by UNI_AUTHORIZE_BENCH_POSTGRES, dropped afterwards.
internal static class PostgreSqlBenchmarkDatabase
{
    public const string Variable = "UNI_AUTHORIZE_BENCH_POSTGRES";

    public static PostgreSqlDatabase Open(string schema)
    {
        var connectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Set {Variable} to an Npgsql connection string of a PostgreSQL server with durable settings (fsync on); see docs/benchmarks.md.");
        }

        var database = new PostgreSqlDatabase(new PostgreSqlStoreOptions { ConnectionString = connectionString, Schema = schema });
        database.EnsureMigratedAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return database;
    }

    public static string NewSchema(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..12];

    public static void Drop(PostgreSqlDatabase database)
    {
        using (var drop = database.DataSource.CreateCommand($"DROP SCHEMA \"{database.Schema}\" CASCADE"))
        {
            drop.ExecuteNonQuery();
        }

        database.Dispose();
    }

    public static void Execute(PostgreSqlDatabase database, string sql)
    {
        using var command = database.DataSource.CreateCommand(sql);
        command.CommandTimeout = 600;
        command.ExecuteNonQuery();
    }
}
