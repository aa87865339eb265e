using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class MigrationTests(PostgreSqlFixture fixture) : IClassFixture<PostgreSqlFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnsureMigratedAsync_EightHostsStartingAtOnce_ApplyEachVersionOnce()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var hosts = Enumerable.Range(0, 8).Select(_ => fixture.Open(schema)).ToArray();
        try
        {
            await Task.WhenAll(hosts.Select(h => Task.Run(() => h.EnsureMigratedAsync(Ct).AsTask(), Ct))).WaitAsync(TimeSpan.FromSeconds(30), Ct);

            Assert.Equal(
                Migrations.Steps(schema).Count,
                Convert.ToInt32(await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".schema_migrations WHERE version BETWEEN 1 AND {Migrations.Steps(schema).Count}")));
            var store = new PostgreSqlDecisionStore(hosts[^1]);
            Assert.True((await store.TryWriteAsync(new DecisionWrite(new("a", "u"), "scope.camera", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UnixEpoch, null, 0), Ct)).Written);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task EnsureMigratedAsync_IdentitiesOfAnEarlierHost_AreCopiedIntoTheSchema()
    {
        // The tables earlier hosts created for themselves, with one row each.
        await fixture.ScalarAsync("""
            CREATE SCHEMA IF NOT EXISTS uni_authorize_host;
            CREATE TABLE IF NOT EXISTS uni_authorize_host.apps (id text PRIMARY KEY, name text NOT NULL, platform int NOT NULL, secret_hash text NOT NULL, created_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS uni_authorize_host.users (id text PRIMARY KEY, name text NOT NULL UNIQUE, created_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS uni_authorize_host.sessions (token_hash text PRIMARY KEY, app_id text NOT NULL, user_id text NOT NULL, issued_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
            CREATE TABLE IF NOT EXISTS uni_authorize_host.keys (name text PRIMARY KEY, value bytea NOT NULL);
            INSERT INTO uni_authorize_host.apps VALUES ('demo-wechat', 'Demo', 1, 'abc', '2026-01-01Z') ON CONFLICT DO NOTHING;
            INSERT INTO uni_authorize_host.users VALUES ('u_1', 'demo', '2026-01-01Z') ON CONFLICT DO NOTHING;
            INSERT INTO uni_authorize_host.sessions VALUES ('hash', 'demo-wechat', 'u_1', '2026-01-01Z', '2026-01-02Z') ON CONFLICT DO NOTHING;
            INSERT INTO uni_authorize_host.keys VALUES ('pseudonym-hmac', '\x0102') ON CONFLICT DO NOTHING;
            """);
        await using var database = fixture.Open(PostgreSqlFixture.NewSchema());
        var store = new PostgreSqlIdentityStore(database);

        var app = await store.GetAppAsync("demo-wechat", Ct);
        var session = await store.GetSessionAsync("hash", Ct);

        Assert.Equal(new HostApp("demo-wechat", "Demo", (Platform)1, "abc", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), app);
        Assert.Equal("demo", (await store.GetUserAsync("u_1", Ct))?.Name);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero), session?.ExpiresAt);
        Assert.Equal([1, 2], await store.GetOrAddKeyAsync("pseudonym-hmac", [9], Ct));
    }

    [Fact]
    public async Task EnsureMigratedAsync_SchemaFromANewerRelease_FailsNamingTheFix()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using (var current = fixture.Open(schema))
        {
            await current.EnsureMigratedAsync(Ct);
        }

        await fixture.ScalarAsync($"INSERT INTO \"{schema}\".schema_migrations (version) VALUES (999)");
        await using var old = fixture.Open(schema);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => old.EnsureMigratedAsync(Ct).AsTask());
        Assert.Contains("upgrade", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureMigratedAsync_DatabaseBackAfterFailure_RetriesAndSucceeds()
    {
        await using var proxy = new TcpProxy(new Npgsql.NpgsqlConnectionStringBuilder(fixture.ConnectionString));
        await using var database = fixture.Open(PostgreSqlFixture.NewSchema(), proxy.ConnectionString);

        await Assert.ThrowsAnyAsync<Exception>(() => database.EnsureMigratedAsync(Ct).AsTask());
        proxy.Start();
        await database.EnsureMigratedAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Theory]
    [InlineData(null, "uni_authorize", "ConnectionString")]
    [InlineData("Host=localhost;Bogus Key=1", "uni_authorize", "ConnectionString")]
    [InlineData("Host=localhost", "Has-Dash", "Schema")]
    [InlineData("Host=localhost", "x\"; DROP TABLE t; --", "Schema")]
    [InlineData("Host=localhost", "", "Schema")]
    public void AddPostgreSqlStore_InvalidOptions_FailsAtStartNamingTheSetting(string? connectionString, string schema, string setting)
    {
        using var provider = new ServiceCollection().AddUniAuthorize().AddPostgreSqlStore(o =>
        {
            o.ConnectionString = connectionString;
            o.Schema = schema;
        }).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<IStartupValidator>().Validate);
        Assert.Contains($"PostgreSqlStoreOptions.{setting}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddPostgreSqlStore_AfterAddDecisionCache_ThrowsNamingTheOrder()
    {
        var builder = new ServiceCollection().AddUniAuthorize().AddDecisionCache();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddPostgreSqlStore("Host=localhost"));
        Assert.Contains("before AddDecisionCache", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddPostgreSqlStore_ThenCache_ResolvesACacheOverThePostgreSqlStoreAndItsFeed()
    {
        using var services = new ServiceCollection().AddUniAuthorize().AddPostgreSqlStore("Host=localhost").AddDecisionCache().Services.BuildServiceProvider();

        Assert.IsType<CachingDecisionStore>(services.GetRequiredService<IDecisionStore>());
        Assert.IsType<PostgreSqlAuthCodeStore>(services.GetRequiredService<IAuthCodeStore>());
        Assert.IsType<PostgreSqlDecisionChangeFeed>(services.GetRequiredService<IDecisionChangeFeed>());
    }

    [Fact]
    public async Task EnsureMigratedAsync_RoleWithoutCreateOnAProvisionedSchema_UsesItAsIs()
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using (var owner = fixture.Open(schema))
        {
            await owner.EnsureMigratedAsync(Ct);
        }

        var role = "app_" + schema;
        await fixture.ScalarAsync(
            $"CREATE ROLE {role} LOGIN; " +
            $"GRANT USAGE ON SCHEMA \"{schema}\" TO {role}; " +
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO {role}; " +
            $"REVOKE CREATE ON SCHEMA \"{schema}\" FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        try
        {
            var limited = new Npgsql.NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Username = role }.ConnectionString;
            await using var app = fixture.Open(schema, limited);
            var store = new PostgreSqlDecisionStore(app);

            var written = await store.TryWriteAsync(new DecisionWrite(new("a", "u"), "scope.camera", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UnixEpoch, null, 0), Ct);

            Assert.True(written.Written);
            Assert.Single(await store.GetAuditAsync(new("a", "u"), Ct));
            await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.ScalarAsync($"SET ROLE {role}; CREATE TABLE \"{schema}\".probe (x int)"));
        }
        finally
        {
            // Roles belong to the cluster, not to this class's database.
            await fixture.ScalarAsync($"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }

    [Theory]
    [InlineData("UPDATE {0}.decision_audit SET to_state = 0")]
    [InlineData("UPDATE {0}.decision_audit SET user_id = 'someone-else'")]
    [InlineData("UPDATE {0}.decision_audit SET user_id = 'erased:1234', to_state = 0")]
    [InlineData("DELETE FROM {0}.decision_audit")]
    public async Task Audit_RewriteOrDeleteOtherThanAnErasure_RejectedByTheSchema(string sql)
    {
        var schema = PostgreSqlFixture.NewSchema();
        await using var database = fixture.Open(schema);
        var store = new PostgreSqlDecisionStore(database);
        await store.TryWriteAsync(new DecisionWrite(new("a", "u"), "scope.camera", DecisionState.Granted, DecisionSource.Prompt, DateTimeOffset.UnixEpoch, null, 0), Ct);

        var ex = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.ScalarAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, $"\"{schema}\"")));

        Assert.Contains("append-only", ex.MessageText, StringComparison.Ordinal);
        var erased = await store.EraseUserAsync("u", Ct);
        Assert.Equal(1, erased.AuditEntries);
        Assert.Equal(1L, await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".decision_audit WHERE user_id = '{erased.Pseudonym}'"));
    }
}
