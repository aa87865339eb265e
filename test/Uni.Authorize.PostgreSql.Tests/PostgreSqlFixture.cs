using Npgsql;

namespace Uni.Authorize.PostgreSql.Tests;

/// <summary>A throwaway database for one test class inside the cluster named by <c>UNI_AUTHORIZE_TEST_POSTGRES</c>;
/// each test takes its own schema in it.</summary>
public sealed class PostgreSqlFixture : IAsyncLifetime
{
    public const string Variable = "UNI_AUTHORIZE_TEST_POSTGRES";

    private string? _serverConnectionString;
    private string? _databaseName;
    private string? _unavailable;

    /// <summary>The connection string of this class's database.</summary>
    public string ConnectionString
    {
        get
        {
            if (_unavailable is not null)
            {
                if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Fail($"PostgreSQL is required on CI: {_unavailable}");
                }

                Assert.Skip(_unavailable);
            }

            return field!;
        }

        private set;
    }

    /// <summary>The server's connection string with the database of this class.</summary>
    public string ServerConnectionString => _serverConnectionString!;

    public async ValueTask InitializeAsync()
    {
        _serverConnectionString = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(_serverConnectionString))
        {
            _unavailable = $"{Variable} is not set; run build/test.sh, which starts a throwaway PostgreSQL cluster.";
            return;
        }

        _databaseName = "uni_test_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await using var connection = new NpgsqlConnection(_serverConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_databaseName}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            _unavailable = $"The PostgreSQL server in {Variable} cannot be used: {ex.Message}";
            return;
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = _databaseName }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_databaseName is null || _unavailable is not null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Opens the database with the stores' options for <paramref name="schema"/>.</summary>
    internal PostgreSqlDatabase Open(string schema, string? connectionString = null, TimeSpan? heartbeat = null) =>
        new(new PostgreSqlStoreOptions
        {
            ConnectionString = connectionString ?? ConnectionString,
            Schema = schema,
            ChangeFeedHeartbeat = heartbeat ?? TimeSpan.FromSeconds(5),
        });

    /// <summary>Runs one SQL statement on this class's database and returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
