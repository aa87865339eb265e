using Uni.Authorize.Host;

namespace Uni.Authorize.AspNetCore.Tests;

/// <summary>What every <see cref="IIdentityStore"/> must do.</summary>
public abstract class IdentityStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    protected IIdentityStore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Store = await CreateAsync();

    public ValueTask DisposeAsync() => CleanupAsync();

    protected virtual ValueTask CleanupAsync() => ValueTask.CompletedTask;

    protected abstract Task<IIdentityStore> CreateAsync();

    [Fact]
    public async Task TryAddApp_NewId_StoresTheAppAndADuplicateIsRefused()
    {
        var app = new HostApp("app-1", "第一个应用", Platform.Alipay, new string('a', 64), Now);

        Assert.True(await Store.TryAddAppAsync(app));
        Assert.False(await Store.TryAddAppAsync(app with { Name = "other" }));

        Assert.Equal(app, await Store.GetAppAsync("app-1"));
        Assert.Null(await Store.GetAppAsync("APP-1"));
        Assert.Equal(["app-1"], (await Store.ListAppsAsync()).Select(a => a.Id));
    }

    [Fact]
    public async Task GetOrAddUser_SameNameTwice_KeepsTheFirstUser()
    {
        var first = await Store.GetOrAddUserAsync(new HostUser("u_1", "alice", Now));
        var second = await Store.GetOrAddUserAsync(new HostUser("u_2", "alice", Now.AddHours(1)));

        Assert.Equal(new HostUser("u_1", "alice", Now), first);
        Assert.Equal(first, second);
        Assert.Equal(first, await Store.GetUserAsync("u_1"));
        Assert.Null(await Store.GetUserAsync("u_2"));
    }

    [Fact]
    public async Task Sessions_AddGetRemove_RoundTripByTokenHash()
    {
        var session = new MiniAppSession(new string('b', 64), "app-1", "u_1", Now, Now.AddHours(1));
        await Store.AddSessionAsync(session);

        Assert.Equal(session, await Store.GetSessionAsync(session.TokenHash));
        Assert.True(await Store.RemoveSessionAsync(session.TokenHash));
        Assert.False(await Store.RemoveSessionAsync(session.TokenHash));
        Assert.Null(await Store.GetSessionAsync(session.TokenHash));
    }

    [Fact]
    public async Task GetOrAddKey_Twice_ReturnsTheFirstKey()
    {
        var first = await Store.GetOrAddKeyAsync("k", [1, 2, 3]);
        var second = await Store.GetOrAddKeyAsync("k", [4, 5, 6]);

        Assert.Equal([1, 2, 3], first);
        Assert.Equal(first, second);
    }
}

public sealed class InMemoryIdentityStoreTests : IdentityStoreContract
{
    protected override Task<IIdentityStore> CreateAsync() => Task.FromResult<IIdentityStore>(new InMemoryIdentityStore());
}

public sealed class SqliteIdentityStoreTests : IdentityStoreContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("uni-identities-").FullName;

    protected override Task<IIdentityStore> CreateAsync() => Task.FromResult<IIdentityStore>(new SqliteIdentityStore(Path.Combine(_directory, "identities.db")));

    protected override ValueTask CleanupAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Reopen_SameFile_KeepsAppsUsersSessionsAndKeys()
    {
        await Store.TryAddAppAsync(new HostApp("app-1", "n", Platform.WeChat, new string('a', 64), DateTimeOffset.UnixEpoch));
        await Store.GetOrAddUserAsync(new HostUser("u_1", "alice", DateTimeOffset.UnixEpoch));
        await Store.AddSessionAsync(new MiniAppSession("h", "app-1", "u_1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1)));
        var key = await Store.GetOrAddKeyAsync("k", [9]);

        var reopened = new SqliteIdentityStore(Path.Combine(_directory, "identities.db"));

        Assert.NotNull(await reopened.GetAppAsync("app-1"));
        Assert.NotNull(await reopened.GetUserAsync("u_1"));
        Assert.NotNull(await reopened.GetSessionAsync("h"));
        Assert.Equal(key, await reopened.GetOrAddKeyAsync("k", [1]));
    }
}

public sealed class PostgreSqlIdentityStoreTests : IdentityStoreContract
{
    private PostgresDatabase? _database;
    private PostgreSqlIdentityStore? _store;

    protected override async Task<IIdentityStore> CreateAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        return _store = new PostgreSqlIdentityStore(_database.ConnectionString);
    }

    protected override async ValueTask CleanupAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoInstances_OneDatabase_SeeTheSameKey()
    {
        await using var other = new PostgreSqlIdentityStore(_database!.ConnectionString);

        var first = await Store.GetOrAddKeyAsync("pseudonym", [1, 1]);
        var second = await other.GetOrAddKeyAsync("pseudonym", [2, 2]);

        Assert.Equal(first, second);
    }
}
