using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.Sqlite.Tests;

public sealed class SqliteStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AddSqliteStore_PathAlone_CreatesFolderFileWalAndSchema()
    {
        var path = Path.Combine(_folder.Path, "a", "b", "authorize.db");

        await using (var host = new SqliteHost(path))
        {
            await host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Granted, cancellationToken: Ct);
        }

        using var side = SqliteHost.OpenSide(path);
        Assert.Equal(Migrations.Latest, SqliteHost.Execute(side, "PRAGMA user_version"));
        using var mode = side.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)mode.ExecuteScalar());
        Assert.Equal(6, SqliteHost.Execute(side,
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('decisions', 'decision_audit', 'auth_codes', 'decisions_expiry', 'decision_audit_subject', 'auth_codes_expiry')"));
    }

    [Fact]
    public async Task SqliteStores_WithoutDependencyInjection_GrantAndCodeOutliveTheAuthorizer()
    {
        var path = _folder.File("authorize.db");
        var prompter = new CountingPrompter(PromptResult.Allow);
        string code;
        using (var stores = new SqliteStores(new SqliteStoreOptions { Path = path }))
        using (var authorizer = new Authorizer(new UniAuthorizeOptions { Store = stores.Decisions, AuthCodeStore = stores.AuthCodes, Prompter = prompter, DefaultSubject = SqliteHost.Alice }))
        {
            Assert.True((await authorizer.TryAuthorizeAsync(new AuthorizeRequest("scope.camera"), Ct)).Succeeded);
            code = await new AuthCodeService(authorizer).IssueAuthCodeAsync(SqliteHost.Alice, ["auth_base"], Ct);
        }

        using var reopened = new SqliteStores(new SqliteStoreOptions { Path = path });
        using var again = new Authorizer(new UniAuthorizeOptions { Store = reopened.Decisions, AuthCodeStore = reopened.AuthCodes, DefaultSubject = SqliteHost.Alice });

        Assert.True((await again.TryAuthorizeAsync(new AuthorizeRequest("scope.camera"), Ct)).Succeeded);
        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, (await new AuthCodeService(again).RedeemAuthCodeAsync("app-1", code, Ct)).Status);
        Assert.Equal(1, prompter.Shown);
    }

    [Fact]
    public async Task AddSqliteStore_ConfigurationSection_BindsSettingsAndOpensTheFile()
    {
        var path = _folder.File("bound.db");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([
            new("Store:Path", path), new("Store:BusyTimeout", "00:00:02"), new("Store:MaxDatabaseBytes", "1048576")]).Build();
        await using var provider = new ServiceCollection().AddUniAuthorize().AddSqliteStore(configuration.GetSection("Store")).Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<SqliteStoreOptions>>().Value;
        await new DecisionManager(provider.GetRequiredService<Authorizer>()).SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Granted, cancellationToken: Ct);

        Assert.Equal((path, TimeSpan.FromSeconds(2), 1048576L), (options.Path, options.BusyTimeout, options.MaxDatabaseBytes));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void AddSqliteStore_BadSettingInSection_FailsAtStartNamingItsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Store:Path", ":memory:")]).Build();
        using var provider = new ServiceCollection().AddUniAuthorize().AddSqliteStore(configuration.GetSection("Store")).Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);

        Assert.Equal("Store:Path must be a plain file path, not a URI or an in-memory name.", Assert.Single(ex.Failures));
    }

    [Fact]
    public async Task AddSqliteStore_Restart_DenialIsHonouredWithoutAskingAgain()
    {
        var path = _folder.File("authorize.db");
        await using (var first = new SqliteHost(path))
        {
            await first.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.userLocation", DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);
        }

        await using var second = new SqliteHost(path);
        var outcome = await second.AuthorizeAsync("scope.userLocation");

        Assert.Equal(AuthorizeErrorCode.Denied, outcome.Error!.Code);
        Assert.Equal(0, second.Prompter.Shown);
    }

    [Fact]
    public async Task AddSqliteStore_WithDecisionCache_RevokeIsHonouredAtOnce()
    {
        await using var host = new SqliteHost(_folder.File("authorize.db"), cache: true);
        Assert.IsType<CachingDecisionStore>(host.Decisions);
        Assert.True((await host.AuthorizeAsync("scope.camera")).Succeeded);
        Assert.Equal(1, host.Prompter.Shown);

        await host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Denied, DecisionSource.Settings, cancellationToken: Ct);

        Assert.Equal(AuthorizeErrorCode.Denied, (await host.AuthorizeAsync("scope.camera")).Error!.Code);
    }

    [Fact]
    public void AddSqliteStore_AfterAddDecisionCache_ThrowsNamingTheOrder()
    {
        var builder = new ServiceCollection().AddUniAuthorize().AddDecisionCache();

        var ex = Assert.Throws<InvalidOperationException>(() => builder.AddSqliteStore(_folder.File("x.db")));
        Assert.Contains("before AddDecisionCache", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(":memory:")]
    [InlineData("file:x.db?mode=memory")]
    public void AddSqliteStore_NotAFilePath_FailsAtStartNamingTheSetting(string path)
    {
        using var provider = new ServiceCollection().AddUniAuthorize().AddSqliteStore(path).Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);
        Assert.Contains("SqliteStoreOptions.Path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSqliteStore_TinyMaxDatabaseBytes_FailsAtStartNamingTheSetting()
    {
        using var provider = new ServiceCollection().AddUniAuthorize().AddSqliteStore(o => (o.Path, o.MaxDatabaseBytes) = ("x.db", 1000)).Services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);
        Assert.Contains("SqliteStoreOptions.MaxDatabaseBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_ManyOpenersAtOnce_AllSucceedOnOneSchema()
    {
        var path = _folder.File("race.db");
        using var start = new Barrier(8);

        var openers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            new SqliteDatabase(new SqliteStoreOptions { Path = path }).Dispose();
        }, Ct)).ToArray();

        await Task.WhenAll(openers).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        using var side = SqliteHost.OpenSide(path);
        Assert.Equal(Migrations.Latest, SqliteHost.Execute(side, "PRAGMA user_version"));
        Assert.Equal(1, SqliteHost.Execute(side, "SELECT count(*) FROM sqlite_schema WHERE name = 'decisions'"));
    }

    [Fact]
    public void Migrate_SchemaFromANewerVersion_ThrowsNamingTheFix()
    {
        var path = _folder.File("newer.db");
        new SqliteDatabase(new SqliteStoreOptions { Path = path }).Dispose();
        using (var side = SqliteHost.OpenSide(path))
        {
            SqliteHost.Run(side, "PRAGMA user_version = 99");
        }

        var ex = Assert.Throws<InvalidOperationException>(() => new SqliteDatabase(new SqliteStoreOptions { Path = path }));
        Assert.Contains("upgrade the library", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UPDATE decision_audit SET to_state = 1")]
    [InlineData("DELETE FROM decision_audit")]
    [InlineData("UPDATE decision_audit SET user_id = 'someone-else'")]
    [InlineData("UPDATE decision_audit SET user_id = 'erased:1234', to_state = 1")]
    public async Task Audit_RewriteOrDelete_RejectedByTheSchema(string sql)
    {
        var path = _folder.File("audit.db");
        await using (var host = new SqliteHost(path))
        {
            await host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Denied, cancellationToken: Ct);
        }

        using var side = SqliteHost.OpenSide(path);
        var ex = Assert.Throws<SqliteException>(() => SqliteHost.Run(side, sql));
        Assert.Contains("append-only", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, SqliteHost.Execute(side, "SELECT count(*) FROM decision_audit"));
    }

    [Fact]
    public async Task RedeemAuthCode_IssuedThroughTheEngine_StoredOnlyAsHashAndRedeemedOnce()
    {
        await using var host = new SqliteHost(_folder.File("codes.db"));
        var code = await host.AuthCodeService.IssueAuthCodeAsync(SqliteHost.Alice, ["auth_base"], Ct);

        var first = await host.AuthCodeService.RedeemAuthCodeAsync("app-1", code, Ct);
        var second = await host.AuthCodeService.RedeemAuthCodeAsync("app-1", code, Ct);

        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, first.Status);
        Assert.Equal(["auth_base"], first.Code!.Scopes);
        Assert.Equal(AuthCodeRedemptionStatus.AlreadyUsed, second.Status);
        using var side = SqliteHost.OpenSide(_folder.File("codes.db"));
        Assert.Equal(0, SqliteHost.Execute(side, $"SELECT count(*) FROM auth_codes WHERE code_hash = '{code}'"));
        Assert.Equal(1, SqliteHost.Execute(side, $"SELECT count(*) FROM auth_codes WHERE code_hash = '{AuthCodeService.HashCode(code)}'"));
    }
}
