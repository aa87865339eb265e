using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class PostgreSqlStoresTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static readonly Subject Alice = new("app-1", "alice");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostgreSqlStores_WithoutDependencyInjection_GrantAndCodeOutliveTheAuthorizer()
    {
        var options = new PostgreSqlStoreOptions { ConnectionString = fixture.ConnectionString, Schema = PostgreSqlFixture.NewSchema() };
        var prompter = new TestPrompter(PromptResult.Allow);
        string code;
        await using (var stores = new PostgreSqlStores(options))
        using (var authorizer = new Authorizer(new UniAuthorizeOptions { Store = stores.Decisions, AuthCodeStore = stores.AuthCodes, Prompter = prompter, DefaultSubject = Alice }))
        {
            Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera"), Ct)).Succeeded);
            code = await new AuthCodeService(authorizer).IssueAuthCodeAsync(Alice, ["auth_base"], Ct);
        }

        await using var reopened = new PostgreSqlStores(options);
        using var again = new Authorizer(new UniAuthorizeOptions { Store = reopened.Decisions, AuthCodeStore = reopened.AuthCodes, DefaultSubject = Alice });

        Assert.True((await again.TryAuthorizeAsync(new AuthorizeRequest("scope.camera"), Ct)).Succeeded);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, (await new AuthCodeService(again).RedeemAuthCodeAsync("app-1", code, Ct)).Status);
        Assert.Equal(1, prompter.ShownCount);
    }

    [Fact]
    public void PostgreSqlStores_MissingConnectionString_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new PostgreSqlStores(new PostgreSqlStoreOptions()));

        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddPostgreSqlStore_ConfigurationSection_BindsSettingsAndUsesTheSchema()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([
            new("Store:ConnectionString", fixture.ConnectionString), new("Store:Schema", schema),
            new("Store:MaxPoolSize", "3"), new("Store:ChangeFeedHeartbeat", "00:00:02")]).Build();
        await using var provider = new ServiceCollection().AddUniAuthorize().AddPostgreSqlStore(configuration.GetSection("Store")).Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value;
        await new DecisionManager(provider.GetRequiredService<Authorizer>()).SetDecisionAsync(Alice, "scope.camera", DecisionState.Granted, cancellationToken: Ct);

        Assert.Equal((schema, 3, TimeSpan.FromSeconds(2)), (options.Schema, options.MaxPoolSize, options.ChangeFeedHeartbeat));
        Assert.Equal(1L, await fixture.ScalarAsync($"SELECT count(*) FROM {schema}.decisions"));
    }

    [Fact]
    public void AddPostgreSqlStore_BadSettingInSection_FailsAtStartNamingItsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Store:ConnectionString", "Host=db"), new("Store:MaxPoolSize", "0")]).Build();
        using var provider = new ServiceCollection().AddUniAuthorize().AddPostgreSqlStore(configuration.GetSection("Store")).Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);

        Assert.Equal("Store:MaxPoolSize must be at least 1; it is 0.", Assert.Single(ex.Failures));
    }
}
