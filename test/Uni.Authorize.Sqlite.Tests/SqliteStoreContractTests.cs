using System.Text;
using Microsoft.Data.Sqlite;
using Uni.Authorize.Testing;

namespace Uni.Authorize.Sqlite.Tests;

public sealed class SqliteDecisionStoreContractTests : DurableDecisionStoreContract
{
    private readonly SharedSqliteFile _file = new("decisions.db");

    protected override ValueTask<IDecisionStore> CreateStoreAsync() => new(new SqliteDecisionStore(_file.Open()));

    // Another database object on the same file: its own connections, as another process would have.
    protected override ValueTask<IDecisionStore> OpenSecondInstanceAsync(IDecisionStore first) => new(new SqliteDecisionStore(_file.Open()));

    protected override ValueTask<bool> TryCorruptAsync(IDecisionStore store, Subject subject, string scope)
    {
        using var connection = new SqliteConnection($"Data Source={_file.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA ignore_check_constraints = ON; UPDATE decisions SET state = 7 WHERE app_id = $a AND user_id = $u AND scope = $s";
        command.Parameters.AddWithValue("$a", subject.AppId);
        command.Parameters.AddWithValue("$u", subject.UserId);
        command.Parameters.AddWithValue("$s", scope);
        return new(command.ExecuteNonQuery() == 1);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}

public sealed class SqliteAuthCodeStoreContractTests : DurableAuthCodeStoreContract
{
    private readonly SharedSqliteFile _file = new("codes.db");

    protected override ValueTask<IAuthCodeStore> CreateStoreAsync() => new(new SqliteAuthCodeStore(_file.Open()));

    protected override ValueTask<IAuthCodeStore> OpenSecondInstanceAsync(IAuthCodeStore first) => new(new SqliteAuthCodeStore(_file.Open()));

    // Every byte on disk: the database, its write-ahead log and shared memory.
    protected override ValueTask<string?> ReadPersistedTextAsync(IAuthCodeStore store)
    {
        var text = new StringBuilder();
        foreach (var file in Directory.GetFiles(_file.Folder))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.Latin1);
            text.Append(reader.ReadToEnd());
        }

        return new(text.ToString());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}

public sealed class SqliteIdentityStoreContractTests : IdentityStoreContract
{
    private readonly TempFolder _folder = new();

    // Built by hand, as an application without dependency injection would: each store opens the file itself.
    protected override ValueTask<IIdentityStore> CreateStoreAsync() => new(Open());

    protected override ValueTask<IIdentityStore> OpenSecondInstanceAsync(IIdentityStore first) => new(Open());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Reopen_SameFile_KeepsAppsUsersSessionsAndKeys()
    {
        var session = new MiniAppSession("h", "app-1", "u_1", T0, T0.AddDays(1));
        var app = new HostApp("app-1", "n", Platform.WeChat, new string('a', 64), T0);
        byte[] key;
        using (var store = Open())
        {
            await store.TryAddAppAsync(app, Ct);
            await store.GetOrAddUserAsync(new HostUser("u_1", "alice", T0), Ct);
            await store.AddSessionAsync(session, Ct);
            key = await store.GetOrAddKeyAsync("k", [9], Ct);
        }

        using var reopened = Open();

        Assert.Equal(app, await reopened.GetAppAsync("app-1", Ct));
        Assert.Equal(new HostUser("u_1", "alice", T0), await reopened.GetUserAsync("u_1", Ct));
        Assert.Equal(session, await reopened.GetSessionAsync("h", Ct));
        Assert.Equal(key, await reopened.GetOrAddKeyAsync("k", [1], Ct));
    }

    [Fact]
    public void Constructor_BadPath_ThrowsNamingTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SqliteIdentityStore(new SqliteStoreOptions { Path = ":memory:" }));

        Assert.Contains("SqliteStoreOptions.Path", error.Message, StringComparison.Ordinal);
    }

    private SqliteIdentityStore Open() => new(new SqliteStoreOptions { Path = _folder.File("authorize.db") });
}

public sealed class SqliteWebhookStoreContractTests : WebhookStoreContract
{
    private readonly SharedSqliteFile _file = new("webhooks.db");

    protected override ValueTask<IWebhookStore> CreateStoreAsync() => new(new SqliteWebhookStore(_file.Open()));

    protected override ValueTask<IWebhookStore> OpenSecondInstanceAsync(IWebhookStore first) => new(new SqliteWebhookStore(_file.Open()));

    // Other database objects on the same file: the outbox rows must come from the writers' own transactions.
    protected override ValueTask<IDecisionStore> OpenDecisionStoreAsync(IWebhookStore webhooks) => new(new SqliteDecisionStore(_file.Open()));

    protected override ValueTask<IIdentityStore> OpenIdentityStoreAsync(IWebhookStore webhooks) => new(new SqliteIdentityStore(_file.Open()));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}

public sealed class SqliteAppManifestStoreContractTests : AppManifestStoreContract
{
    private readonly SharedSqliteFile _file = new("manifests.db");

    protected override ValueTask<IAppManifestStore> CreateStoreAsync() => new(new SqliteAppManifestStore(_file.Open()));

    protected override ValueTask<IAppManifestStore> OpenSecondInstanceAsync(IAppManifestStore first) => new(new SqliteAppManifestStore(_file.Open()));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}

public sealed class SqliteAccessRecordStoreContractTests : AccessRecordStoreContract
{
    private readonly SharedSqliteFile _file = new("access.db");

    protected override ValueTask<IAccessRecordStore> CreateStoreAsync() => new(new SqliteAccessRecordStore(_file.Open()));

    protected override ValueTask<IAccessRecordStore> OpenSecondInstanceAsync(IAccessRecordStore first) => new(new SqliteAccessRecordStore(_file.Open()));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}

/// <summary>One SQLite file in a temporary folder, opened as a new database object each time (a second instance of a
/// store); disposing closes them all and deletes the folder.</summary>
internal sealed class SharedSqliteFile(string name) : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly List<SqliteDatabase> _databases = [];

    /// <summary>The file's path.</summary>
    public string Path => _folder.File(name);

    /// <summary>The folder, with the file's write-ahead log and shared memory beside it.</summary>
    public string Folder => _folder.Path;

    public SqliteDatabase Open()
    {
        var database = new SqliteDatabase(new SqliteStoreOptions { Path = Path });
        _databases.Add(database);
        return database;
    }

    public void Dispose()
    {
        foreach (var database in _databases)
        {
            database.Dispose();
        }

        _folder.Dispose();
    }
}
