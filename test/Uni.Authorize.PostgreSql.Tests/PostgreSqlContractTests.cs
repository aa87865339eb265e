using Uni.Authorize.Testing;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class PostgreSqlDecisionStoreContractTests(PostgreSqlFixture fixture) : DurableDecisionStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IDecisionStore> _databases = new(fixture);

    protected override ValueTask<IDecisionStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IDecisionStore> OpenSecondInstanceAsync(IDecisionStore first) => new(Open(_databases[first].Schema));

    protected override ValueTask<bool> TryCorruptAsync(IDecisionStore store, Subject subject, string scope) =>
        _databases.CorruptDecisionAsync(store, subject, scope);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    private IDecisionStore Open(string schema)
    {
        var database = _databases.Open(schema);
        return _databases.Register(new PostgreSqlDecisionStore(database), database);
    }
}

public sealed class PostgreSqlAuthCodeStoreContractTests(PostgreSqlFixture fixture) : DurableAuthCodeStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IAuthCodeStore> _databases = new(fixture);

    protected override ValueTask<IAuthCodeStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IAuthCodeStore> OpenSecondInstanceAsync(IAuthCodeStore first) => new(Open(_databases[first].Schema));

    protected override async ValueTask<string?> ReadPersistedTextAsync(IAuthCodeStore store) =>
        (string?)await fixture.ScalarAsync($"SELECT string_agg(row_to_json(c)::text, E'\\n') FROM {_databases[store].Table.AuthCodes} c");

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    private IAuthCodeStore Open(string schema)
    {
        var database = _databases.Open(schema);
        return _databases.Register(new PostgreSqlAuthCodeStore(database), database);
    }
}

// The cache over PostgreSQL with its change feed: every "host" has its own database pool, feed and cache.
public sealed class CachedPostgreSqlDecisionStoreContractTests(PostgreSqlFixture fixture) : DurableDecisionStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IDecisionStore> _databases = new(fixture);

    protected override ValueTask<IDecisionStore> CreateStoreAsync() => OpenAsync(PostgreSqlFixture.NewSchema());

    protected override ValueTask<IDecisionStore> OpenSecondInstanceAsync(IDecisionStore first) => OpenAsync(_databases[first].Schema);

    protected override ValueTask<bool> TryCorruptAsync(IDecisionStore store, Subject subject, string scope) =>
        _databases.CorruptDecisionAsync(store, subject, scope);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    private async ValueTask<IDecisionStore> OpenAsync(string schema)
    {
        var database = _databases.Open(schema);
        var feed = _databases.Own(new PostgreSqlDecisionChangeFeed(database));
        var cache = _databases.Register(new CachingDecisionStore(new PostgreSqlDecisionStore(database), new DecisionCacheOptions(), feed), database);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!feed.IsHealthy)
        {
            Assert.True(DateTime.UtcNow < deadline, "The change feed did not start listening.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return cache;
    }
}

/// <summary>The databases a contract test opened, by the store built on each; disposed last-opened first.</summary>
internal sealed class OpenedDatabases<TStore>(PostgreSqlFixture fixture) : IAsyncDisposable
    where TStore : class
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly Dictionary<TStore, PostgreSqlDatabase> _byStore = new(ReferenceEqualityComparer.Instance);

    public PostgreSqlDatabase this[TStore store] => _byStore[store];

    public PostgreSqlDatabase Open(string schema) => Own(fixture.Open(schema));

    public T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public TStore Register(TStore store, PostgreSqlDatabase database)
    {
        _byStore[store] = database;
        return store;
    }

    /// <summary>Gives the row an unknown state value, past the check constraint that normally refuses it.</summary>
    public async ValueTask<bool> CorruptDecisionAsync(TStore store, Subject subject, string scope)
    {
        var table = _byStore[store].Table.Decisions;
        await fixture.ScalarAsync(
            $"ALTER TABLE {table} DROP CONSTRAINT decisions_state_check; " +
            $"UPDATE {table} SET state = 9 WHERE app_id = '{subject.AppId}' AND user_id = '{subject.UserId}' AND scope = '{scope}'");
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }
}

public sealed class PostgreSqlIdentityStoreContractTests(PostgreSqlFixture fixture) : IdentityStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IIdentityStore> _databases = new(fixture);

    protected override ValueTask<IIdentityStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IIdentityStore> OpenSecondInstanceAsync(IIdentityStore first) => new(Open(_databases[first].Schema));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    [Fact]
    public async Task Constructor_OptionsByHand_OwnsItsPoolAndSharesTheSchema()
    {
        var schema = PostgreSqlFixture.NewSchema();
        var options = new PostgreSqlStoreOptions { ConnectionString = fixture.ConnectionString, Schema = schema };
        await using (var first = new PostgreSqlIdentityStore(options))
        {
            await first.TryAddAppAsync(new HostApp("app-1", "n", Platform.Baidu, new string('a', 64), T0), Ct);
        }

        await using var second = new PostgreSqlIdentityStore(options);

        Assert.Equal(Platform.Baidu, (await second.GetAppAsync("app-1", Ct))?.Platform);
        Assert.Equal(1L, await fixture.ScalarAsync($"SELECT count(*) FROM \"{schema}\".identity_apps"));
    }

    private IIdentityStore Open(string schema)
    {
        var database = _databases.Open(schema);
        return _databases.Register(new PostgreSqlIdentityStore(database), database);
    }
}

// Two "hosts": each has its own pool and change feed over one schema, as instances behind a load balancer do.
public sealed class PostgreSqlConsentStoreContractTests(PostgreSqlFixture fixture) : ConsentStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IConsentStore> _databases = new(fixture);

    protected override ValueTask<IConsentStore> CreateStoreAsync() => OpenAsync(PostgreSqlFixture.NewSchema());

    protected override ValueTask<IConsentStore> OpenSecondInstanceAsync(IConsentStore first) => OpenAsync(_databases[first].Schema);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    private async ValueTask<IConsentStore> OpenAsync(string schema)
    {
        var database = _databases.Open(schema);
        var feed = _databases.Own(new PostgreSqlDecisionChangeFeed(database));
        var store = _databases.Register(new PostgreSqlConsentStore(database, feed), database);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!feed.IsHealthy)
        {
            Assert.True(DateTime.UtcNow < deadline, "The change feed did not start listening.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return store;
    }
}

// Two "hosts" over one schema: the lease must let exactly one of them deliver.
public sealed class PostgreSqlWebhookStoreContractTests(PostgreSqlFixture fixture) : WebhookStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IWebhookStore> _databases = new(fixture);

    protected override ValueTask<IWebhookStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IWebhookStore> OpenSecondInstanceAsync(IWebhookStore first) => new(Open(_databases[first].Schema));

    protected override ValueTask<IDecisionStore> OpenDecisionStoreAsync(IWebhookStore webhooks) =>
        new(new PostgreSqlDecisionStore(_databases.Open(_databases[webhooks].Schema)));

    protected override ValueTask<IIdentityStore> OpenIdentityStoreAsync(IWebhookStore webhooks) =>
        new(new PostgreSqlIdentityStore(_databases.Open(_databases[webhooks].Schema)));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    private IWebhookStore Open(string schema)
    {
        var database = _databases.Open(schema);
        return _databases.Register(new PostgreSqlWebhookStore(database), database);
    }
}

public sealed class PostgreSqlAppManifestStoreContractTests(PostgreSqlFixture fixture) : AppManifestStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IAppManifestStore> _databases = new(fixture);

    protected override ValueTask<IAppManifestStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IAppManifestStore> OpenSecondInstanceAsync(IAppManifestStore first) => new(Open(_databases[first].Schema));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    private IAppManifestStore Open(string schema)
    {
        var database = _databases.Open(schema);
        return _databases.Register(new PostgreSqlAppManifestStore(database), database);
    }
}

public sealed class PostgreSqlAccessRecordStoreContractTests(PostgreSqlFixture fixture) : AccessRecordStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly OpenedDatabases<IAccessRecordStore> _databases = new(fixture);

    protected override ValueTask<IAccessRecordStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IAccessRecordStore> OpenSecondInstanceAsync(IAccessRecordStore first) => new(Open(_databases[first].Schema));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _databases.DisposeAsync();
    }

    private IAccessRecordStore Open(string schema)
    {
        var database = _databases.Open(schema);
        return _databases.Register(new PostgreSqlAccessRecordStore(database), database);
    }
}
