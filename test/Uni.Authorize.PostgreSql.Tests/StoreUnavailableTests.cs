using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class StoreUnavailableTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private const string Scope = "scope.camera";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly Subject Alice = new("app-1", "alice");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Authorize_DatabaseDownThenBack_FailsClosedWithoutAskingThenRecovers()
    {
        await using var proxy = new TcpProxy(new NpgsqlConnectionStringBuilder(fixture.ConnectionString));
        var prompter = new TestPrompter(PromptResult.Allow);
        await using var services = new ServiceCollection()
            .AddUniAuthorize(options => options.Prompter = prompter)
            .AddPostgreSqlStore(options =>
            {
                options.ConnectionString = proxy.ConnectionString;
                options.Schema = PostgreSqlFixture.NewSchema();
            })
            .AddDecisionCache()
            .Services.BuildServiceProvider();
        var engine = services.GetRequiredService<Authorizer>();

        // Down from the start: nothing granted, no dialog over an unknown state.
        var down = await Authorize(engine);
        Assert.Equal(AuthorizeErrorCode.StoreUnavailable, down.Error?.Code);
        Assert.Equal(0, prompter.ShownCount);

        proxy.Start();
        await UntilAsync(async () => (await Authorize(engine)).Succeeded);
        Assert.Equal(1, prompter.ShownCount);
        await UntilAsync(async () => services.GetRequiredService<IDecisionChangeFeed>().IsHealthy && (await Authorize(engine)).Succeeded);

        // Down again with the grant cached: the cache stops answering, so calls fail closed too.
        proxy.Stop();
        await UntilAsync(async () => (await Authorize(engine)).Error?.Code == AuthorizeErrorCode.StoreUnavailable);
        await Assert.ThrowsAsync<AuthorizeException>(() => new DecisionManager(engine).SetDecisionAsync(Alice, Scope, DecisionState.Denied, cancellationToken: Ct).AsTask());

        proxy.Start();
        await UntilAsync(async () => (await Authorize(engine)).Succeeded);
        Assert.Equal(1, prompter.ShownCount);
    }

    [Fact]
    public async Task Authorize_ClosedPort_FailsClosedWithAClearMessage()
    {
        await using var proxy = new TcpProxy(new NpgsqlConnectionStringBuilder(fixture.ConnectionString)); // never started
        var prompter = new TestPrompter(PromptResult.Allow);
        await using var services = new ServiceCollection()
            .AddUniAuthorize(options => options.Prompter = prompter)
            .AddPostgreSqlStore(proxy.ConnectionString)
            .Services.BuildServiceProvider();
        var engine = services.GetRequiredService<Authorizer>();

        var outcome = await Authorize(engine);

        Assert.False(outcome.Succeeded);
        Assert.Equal(AuthorizeErrorCode.StoreUnavailable, outcome.Error!.Code);
        Assert.Contains("unavailable", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Equal(0, prompter.ShownCount);
    }

    private static Task<AuthorizeOutcome> Authorize(Authorizer engine) =>
        engine.TryAuthorizeAsync(new AuthorizeRequest(Scope) { Subject = Alice }, Ct).AsTask().WaitAsync(Patience, Ct);

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Patience, "The condition did not hold in time.");
            await Task.Delay(20, Ct);
        }
    }
}
