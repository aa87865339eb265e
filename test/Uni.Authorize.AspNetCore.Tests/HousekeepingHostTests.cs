using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Uni.Authorize.AspNetCore.Tests;

public sealed class HousekeepingHostTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly string _data = Directory.CreateTempSubdirectory("uni-housekeeping-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public void Host_HousekeepingSection_BindsTheOptionsOfTheDefaultService()
    {
        using var host = new TestHost(new()
        {
            ["Housekeeping:Interval"] = "00:00:30",
            ["Housekeeping:BatchSize"] = "250",
        });

        var options = host.Services.GetRequiredService<IOptions<HousekeepingOptions>>().Value;

        Assert.Equal((TimeSpan.FromSeconds(30), 250, true), (options.Interval, options.BatchSize, options.Enabled));
        Assert.Single(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "HousekeepingService");
    }

    [Fact]
    public async Task Host_SqliteStoreIntervalPassed_ExpiredSessionGoesLiveOneStays()
    {
        var time = new FakeTimeProvider(Start);
        using var host = new TestHost(
            new() { ["Store:Provider"] = "Sqlite", ["Store:DataDirectory"] = _data, ["Housekeeping:Interval"] = "00:01:00" },
            services => services.AddSingleton<TimeProvider>(time));
        var store = host.Services.GetRequiredService<IIdentityStore>();
        await store.AddSessionAsync(new MiniAppSession("expired", "app-1", "u_1", Start, Start.AddSeconds(30)), Ct);
        await store.AddSessionAsync(new MiniAppSession("live", "app-1", "u_1", Start, Start.AddHours(1)), Ct);

        time.Advance(TimeSpan.FromMinutes(1));
        var deadline = DateTime.UtcNow + TestHost.Patience;
        while (await store.GetSessionAsync("expired", Ct) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "Housekeeping did not prune the expired session.");
            await Task.Delay(20, Ct);
        }

        Assert.NotNull(await store.GetSessionAsync("live", Ct));
        Assert.Equal("SqliteIdentityStore", store.GetType().Name);
    }

    [Fact]
    public async Task Host_IdentitiesFileOfAnEarlierVersion_ImportedOnceAndRenamed()
    {
        var legacy = Path.Combine(_data, "identities.db");
        using (var connection = new SqliteConnection($"Data Source={legacy};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE host_apps (id TEXT PRIMARY KEY, name TEXT NOT NULL, platform INTEGER NOT NULL, secret_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
                CREATE TABLE host_users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
                CREATE TABLE host_sessions (token_hash TEXT PRIMARY KEY, app_id TEXT NOT NULL, user_id TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
                CREATE TABLE host_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL);
                INSERT INTO host_apps VALUES ('old-app', 'Old', 2, 'hash', 1767225600000);
                INSERT INTO host_users VALUES ('u_old', 'olduser', 1767225600000);
                INSERT INTO host_sessions VALUES ('old-session', 'old-app', 'u_old', 1767225600000, 4102444800000);
                INSERT INTO host_keys VALUES ('pseudonym-hmac', x'0a0b');
                """;
            command.ExecuteNonQuery();
        }

        using var host = new TestHost(new() { ["Store:Provider"] = "Sqlite", ["Store:DataDirectory"] = _data });
        using var client = host.CreateClient();
        var store = host.Services.GetRequiredService<IIdentityStore>();

        var created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(new HostApp("old-app", "Old", (Platform)2, "hash", created), await store.GetAppAsync("old-app", Ct));
        Assert.Equal(new HostUser("u_old", "olduser", created), await store.GetUserAsync("u_old", Ct));
        Assert.Equal(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero), (await store.GetSessionAsync("old-session", Ct))?.ExpiresAt);
        Assert.Equal([10, 11], await store.GetOrAddKeyAsync("pseudonym-hmac", [1], Ct));
        Assert.False(File.Exists(legacy));
        Assert.True(File.Exists(legacy + ".imported"));
    }
}
