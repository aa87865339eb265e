using Npgsql;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>A throwaway database in the cluster named by <c>UNI_AUTHORIZE_TEST_POSTGRES</c>. Missing PostgreSQL fails
/// the test under <c>CI=true</c> and skips it, saying why, elsewhere.</summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    public const string Variable = "UNI_AUTHORIZE_TEST_POSTGRES";
    private readonly string _server;
    private readonly string _name;

    private PostgresDatabase(string server, string name)
    {
        _server = server;
        _name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable);
        string? problem = null;
        if (string.IsNullOrWhiteSpace(server))
        {
            problem = $"{Variable} is not set; build/test.sh starts a throwaway PostgreSQL cluster and sets it.";
        }
        else
        {
            var name = "uni_host_" + Guid.NewGuid().ToString("N")[..12];
            try
            {
                await using var connection = new NpgsqlConnection(server);
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                await create.ExecuteNonQueryAsync();
                return new PostgresDatabase(server, name);
            }
            catch (NpgsqlException ex)
            {
                problem = $"The PostgreSQL server in {Variable} cannot be used: {ex.Message}";
            }
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("PostgreSQL is required on CI: " + problem);
        }

        Assert.Skip(problem!);
        throw new InvalidOperationException(problem);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
