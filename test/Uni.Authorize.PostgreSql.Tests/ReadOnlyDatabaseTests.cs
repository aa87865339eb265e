using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Uni.Authorize.PostgreSql.Tests;

// Its own class, hence its own database: it makes the whole database read-only.
public sealed class ReadOnlyDatabaseTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static readonly Subject Alice = new("app-1", "alice");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Authorize_ReadOnlyDatabase_FailsClosedGrantsNothingAndRecoversWhenWritable()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var prompter = new TestPrompter(PromptResult.Allow);
        await using var services = new ServiceCollection()
            .AddUniAuthorize(options => options.Prompter = prompter)
            .AddPostgreSqlStore(options =>
            {
                options.ConnectionString = fixture.ConnectionString;
                options.Schema = schema;
            })
            .Services.BuildServiceProvider();
        var engine = services.GetRequiredService<Authorizer>();
        var database = services.GetRequiredService<PostgreSqlDatabase>();
        await database.EnsureMigratedAsync(Ct);
        var name = new NpgsqlConnectionStringBuilder(fixture.ConnectionString).Database;

        await fixture.ScalarAsync($"ALTER DATABASE \"{name}\" SET default_transaction_read_only = on");
        database.DataSource.Clear();
        var readOnly = await Authorize(engine);

        Assert.Equal(AuthorizeErrorCode.StoreUnavailable, readOnly.Error?.Code);
        Assert.Equal(0L, await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".decisions"));

        // Its own connection, opened read-only like any new one now: leave read-only mode first, in a statement of its own
        // (in one batch with the ALTER both would run in the same, already read-only, implicit transaction).
        await using (var admin = new NpgsqlConnection(fixture.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var writable = new NpgsqlCommand("SET default_transaction_read_only = off", admin);
            await writable.ExecuteNonQueryAsync(Ct);
            await using var alter = new NpgsqlCommand($"ALTER DATABASE \"{name}\" SET default_transaction_read_only = off", admin);
            await alter.ExecuteNonQueryAsync(Ct);
        }

        database.DataSource.Clear();
        var afterwards = await Authorize(engine);

        Assert.True(afterwards.Succeeded);
        Assert.Equal(1L, await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".decisions"));
    }

    private static Task<AuthorizeOutcome> Authorize(Authorizer engine) =>
        engine.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), Ct);
}
