using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class HousekeepingTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static readonly Subject Alice = new("app-1", "alice");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ImportDecisionsAsync_ExportFromOneDatabase_RecreatesTheAnswersInAnother()
    {
        await using var sourceServices = Engine(PostgreSqlFixture.NewSchema());
        await using var targetServices = Engine(PostgreSqlFixture.NewSchema());
        var source = sourceServices.GetRequiredService<Authorizer>();
        var target = targetServices.GetRequiredService<Authorizer>();
        await source.SetDecisionAsync(Alice, "scope.camera", DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        await source.SetDecisionAsync(Alice, "scope.record", DecisionState.Granted, cancellationToken: Ct);
        using var exported = new MemoryStream();
        await source.ExportDecisionsAsync(Alice, exported, Ct);

        var result = await target.ImportDecisionsAsync(Alice, new MemoryStream(exported.ToArray()), cancellationToken: Ct);

        Assert.Equal(["scope.camera", "scope.record"], result.Imported.Order(StringComparer.Ordinal));
        var imported = await targetServices.GetRequiredService<IDecisionStore>().ListAsync(Alice, Ct);
        Assert.Equal(
            [("scope.camera", DecisionState.Denied), ("scope.record", DecisionState.Granted)],
            imported.Select(d => (d.Scope, d.State)));
    }

    [Fact]
    public async Task PruneAsync_ExpiredDecisionsAndUsedCodes_AreDeletedFromPostgreSql()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var services = Engine(schema, grantLifetime: TimeSpan.FromDays(1));
        var engine = services.GetRequiredService<Authorizer>();
        Assert.True((await engine.TryAuthorizeAsync(new AuthorizeRequest("scope.camera") { Subject = Alice }, Ct)).Succeeded);
        await engine.SetDecisionAsync(Alice, "scope.record", DecisionState.Granted, cancellationToken: Ct);
        var used = await engine.IssueAuthCodeAsync(Alice, ["auth_base"], Ct);
        Assert.True((await engine.RedeemAuthCodeAsync("app-1", used, Ct)).Succeeded);
        await engine.IssueAuthCodeAsync(Alice, ["auth_base"], Ct);
        _time.Advance(TimeSpan.FromDays(2));

        var pruned = await engine.PruneAsync(Ct);

        Assert.Equal(new PruneResult(1, 2), pruned);
        Assert.Equal("scope.record", Assert.Single(await services.GetRequiredService<IDecisionStore>().ListAsync(Alice, Ct)).Scope);
        Assert.Equal(0L, await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".auth_codes"));
    }

    private ServiceProvider Engine(string schema, TimeSpan? grantLifetime = null) =>
        new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddUniAuthorize(options =>
            {
                options.Prompter = new TestPrompter(PromptResult.Allow);
                options.GrantLifetime = grantLifetime;
            })
            .AddPostgreSqlStore(options =>
            {
                options.ConnectionString = fixture.ConnectionString;
                options.Schema = schema;
            })
            .Services.BuildServiceProvider();
}
