using System.Collections.Concurrent;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging;

namespace Uni.Authorize.Sqlite.Tests;

/// <summary>The database holds the host's secrets: the file, its -wal and -shm and a folder created for it are
/// owner-only, on every open; wider ones found are narrowed with a warning. Real files, Linux modes.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SqliteFileModeTests : IDisposable
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;
    private const UnixFileMode Wide = OwnerFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Open_NewDatabaseInANewFolder_FolderIsOwnerOnlyAndDatabaseWalAndShmAre0600()
    {
        var path = Path.Combine(_folder.Path, "new", "decisions.db");
        var logs = new Lines();

        using (var database = Open(path, logs))
        {
            var store = new SqliteIdentityStore(database);
            await store.GetOrAddUserAsync(new HostUser("u1", "alice", DateTimeOffset.UnixEpoch), Ct);

            Assert.Equal(OwnerFolder, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
            Assert.Equal(OwnerFile, File.GetUnixFileMode(path));
            Assert.Equal(OwnerFile, File.GetUnixFileMode(path + "-wal"));
            Assert.Equal(OwnerFile, File.GetUnixFileMode(path + "-shm"));
        }

        Assert.Empty(logs.Warnings);
    }

    [Fact]
    public async Task Open_ExistingFilesReadableByOthers_AreNarrowedWithAWarningNamingEach()
    {
        var path = _folder.File("decisions.db");
        using var first = Open(path, new Lines());
        await new SqliteIdentityStore(first).GetOrAddUserAsync(new HostUser("u1", "alice", DateTimeOffset.UnixEpoch), Ct);
        // As an earlier version left them: readable by everyone, the WAL still there (the first store keeps it open).
        File.SetUnixFileMode(path, Wide);
        File.SetUnixFileMode(path + "-wal", Wide);
        File.SetUnixFileMode(path + "-shm", Wide);
        var logs = new Lines();

        using var second = Open(path, logs);

        Assert.Equal(OwnerFile, File.GetUnixFileMode(path));
        Assert.Equal(OwnerFile, File.GetUnixFileMode(path + "-wal"));
        Assert.Equal(OwnerFile, File.GetUnixFileMode(path + "-shm"));
        Assert.Equal(3, logs.Warnings.Count);
        Assert.Contains(logs.Warnings, l => l.Contains(path + "-wal", StringComparison.Ordinal) && l.Contains("0644", StringComparison.Ordinal));
        Assert.Equal("alice", (await new SqliteIdentityStore(second).GetUserAsync("u1", Ct))!.Name);
    }

    [Fact]
    public void Open_ExistingSharedFolder_IsLeftAsItIs()
    {
        var shared = Path.Combine(_folder.Path, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, OwnerFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        using var database = Open(Path.Combine(shared, "decisions.db"), new Lines());

        Assert.Equal(UnixFileMode.OtherExecute, File.GetUnixFileMode(shared) & UnixFileMode.OtherExecute);
        Assert.Equal(OwnerFile, File.GetUnixFileMode(Path.Combine(shared, "decisions.db")));
    }

    private static SqliteDatabase Open(string path, Lines logs) =>
        new(new SqliteStoreOptions { Path = path }, LoggerFactory.Create(b => b.AddProvider(logs)));

    private sealed class Lines : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public IReadOnlyList<string> Warnings => [.. _warnings];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                _warnings.Enqueue(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
