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
}
