using Uni.Authorize.Testing;

namespace Uni.Authorize.PostgreSql.Tests;

public sealed class PostgreSqlDecisionStoreContractTests(PostgreSqlFixture fixture) : DurableDecisionStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly List<PostgreSqlDatabase> _databases = [];
    private readonly Dictionary<IDecisionStore, PostgreSqlDatabase> _owners = [];

    protected override ValueTask<IDecisionStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IDecisionStore> OpenSecondInstanceAsync(IDecisionStore first) => new(Open(_owners[first].Schema));

    protected override async ValueTask<bool> TryCorruptAsync(IDecisionStore store, Subject subject, string scope)
    {
        var table = _owners[store].Table.Decisions;
        await fixture.ScalarAsync(
            $"ALTER TABLE {table} DROP CONSTRAINT decisions_state_check; " +
            $"UPDATE {table} SET state = 9 WHERE app_id = '{subject.AppId}' AND user_id = '{subject.UserId}' AND scope = '{scope}'");
        return true;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    private PostgreSqlDecisionStore Open(string schema)
    {
        var database = fixture.Open(schema);
        _databases.Add(database);
        var store = new PostgreSqlDecisionStore(database);
        _owners[store] = database;
        return store;
    }
}

public sealed class PostgreSqlAuthCodeStoreContractTests(PostgreSqlFixture fixture) : DurableAuthCodeStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly List<PostgreSqlDatabase> _databases = [];
    private readonly Dictionary<IAuthCodeStore, PostgreSqlDatabase> _owners = [];

    protected override ValueTask<IAuthCodeStore> CreateStoreAsync() => new(Open(PostgreSqlFixture.NewSchema()));

    protected override ValueTask<IAuthCodeStore> OpenSecondInstanceAsync(IAuthCodeStore first) => new(Open(_owners[first].Schema));

    protected override async ValueTask<string?> ReadPersistedTextAsync(IAuthCodeStore store) =>
        (string?)await fixture.ScalarAsync($"SELECT string_agg(row_to_json(c)::text, E'\\n') FROM {_owners[store].Table.AuthCodes} c");

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    private PostgreSqlAuthCodeStore Open(string schema)
    {
        var database = fixture.Open(schema);
        _databases.Add(database);
        var store = new PostgreSqlAuthCodeStore(database);
        _owners[store] = database;
        return store;
    }
}

// The cache over PostgreSQL with its change feed: every "host" has its own database pool, feed and cache.
public sealed class CachedPostgreSqlDecisionStoreContractTests(PostgreSqlFixture fixture) : DurableDecisionStoreContract, IClassFixture<PostgreSqlFixture>
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly Dictionary<IDecisionStore, PostgreSqlDatabase> _owners = [];

    protected override ValueTask<IDecisionStore> CreateStoreAsync() => OpenAsync(PostgreSqlFixture.NewSchema());

    protected override ValueTask<IDecisionStore> OpenSecondInstanceAsync(IDecisionStore first) => OpenAsync(_owners[first].Schema);

    protected override async ValueTask<bool> TryCorruptAsync(IDecisionStore store, Subject subject, string scope)
    {
        var table = _owners[store].Table.Decisions;
        await fixture.ScalarAsync(
            $"ALTER TABLE {table} DROP CONSTRAINT decisions_state_check; " +
            $"UPDATE {table} SET state = 9 WHERE app_id = '{subject.AppId}' AND user_id = '{subject.UserId}' AND scope = '{scope}'");
        return true;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    private async ValueTask<IDecisionStore> OpenAsync(string schema)
    {
        var database = fixture.Open(schema);
        _owned.Add(database);
        var feed = new PostgreSqlDecisionChangeFeed(database);
        _owned.Add(feed);
        var cache = new CachingDecisionStore(new PostgreSqlDecisionStore(database), new DecisionCacheOptions(), feed);
        _owners[cache] = database;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!feed.IsHealthy)
        {
            Assert.True(DateTime.UtcNow < deadline, "The change feed did not start listening.");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return cache;
    }
}
