using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class PoolTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Host=localhost", 20, 20)]
    [InlineData("Host=localhost", 7, 7)]
    [InlineData("Host=localhost;Maximum Pool Size=3", 7, 3)]
    [InlineData("Host=localhost;MaxPoolSize=3", 7, 3)]
    public async Task PostgreSqlDatabase_PoolBound_IsMaxPoolSizeUnlessTheConnectionStringSetsOne(string connectionString, int maxPoolSize, int expected)
    {
        await using var database = new PostgreSqlDatabase(new PostgreSqlStoreOptions { ConnectionString = connectionString, MaxPoolSize = maxPoolSize });

        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString).MaxPoolSize);
    }

    [Fact]
    public void PostgreSqlStoreOptions_MaxPoolSize_DefaultsTo20()
    {
        Assert.Equal(20, new PostgreSqlStoreOptions().MaxPoolSize);
    }

    [Theory]
    [InlineData("Host=localhost", 0)]
    [InlineData("Host=localhost;Minimum Pool Size=10", 5)]
    public void AddPostgreSqlStore_MaxPoolSizeOutOfRange_FailsAtStartNamingTheSetting(string connectionString, int maxPoolSize)
    {
        using var provider = new ServiceCollection().AddUniAuthorize().AddPostgreSqlStore(o =>
        {
            o.ConnectionString = connectionString;
            o.MaxPoolSize = maxPoolSize;
        }).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);
        Assert.Contains("PostgreSqlStoreOptions.MaxPoolSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecisionStore_EveryPooledConnectionBusy_WaitsForOneInsteadOfFailing()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var database = new PostgreSqlDatabase(new PostgreSqlStoreOptions { ConnectionString = fixture.ConnectionString, Schema = schema, MaxPoolSize = 1 });
        var store = new PostgreSqlDecisionStore(database);
        await store.ListAsync(new Subject("a", "u"), Ct);

        var held = await database.DataSource.OpenConnectionAsync(Ct);
        var waiting = store.ListAsync(new Subject("a", "u"), Ct).AsTask();
        await Task.Delay(500, Ct);
        var waitedWhileBusy = !waiting.IsCompleted;
        await held.DisposeAsync();
        var decisions = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(waitedWhileBusy, "The lookup did not wait for the busy pool.");
        Assert.Empty(decisions);
    }
}
