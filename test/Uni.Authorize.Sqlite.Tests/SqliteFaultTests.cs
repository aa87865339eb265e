using Microsoft.Data.Sqlite;

namespace Uni.Authorize.Sqlite.Tests;

public sealed class SqliteFaultTests : IDisposable
{
    private static readonly TimeSpan Eventually = TimeSpan.FromSeconds(5);
    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DbPath => _folder.File("authorize.db");

    public void Dispose() => _folder.Dispose();

    private static async Task GrantCameraAsync(SqliteHost host) =>
        await host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Granted, cancellationToken: Ct);

    private static void AssertStoreUnavailable(AuthorizeOutcome outcome)
    {
        Assert.False(outcome.Succeeded);
        Assert.Equal(AuthorizeErrorCode.StoreUnavailable, outcome.Error!.Code);
    }

    private static async Task<AuthorizeOutcome> PollAsync(Func<Task<AuthorizeOutcome>> call, Func<AuthorizeOutcome, bool> until)
    {
        var deadline = DateTime.UtcNow + Eventually;
        while (true)
        {
            var outcome = await call();
            if (until(outcome) || DateTime.UtcNow > deadline)
            {
                return outcome;
            }

            await Task.Delay(20, Ct);
        }
    }

    [Fact]
    public async Task Authorize_WriteLockHeldByAnotherProcess_AnswersStoredDecisionsButRecordsNothingThenRecovers()
    {
        await using var host = new SqliteHost(DbPath, o => o.BusyTimeout = TimeSpan.FromMilliseconds(100));
        await GrantCameraAsync(host);

        using (var writer = SqliteHost.OpenSide(DbPath))
        {
            SqliteHost.Run(writer, "BEGIN IMMEDIATE; INSERT INTO auth_codes VALUES ('x', 'a', 'u', '[]', 0, 0, NULL);");

            Assert.True((await host.AuthorizeAsync("scope.camera")).Succeeded);
            AssertStoreUnavailable(await host.AuthorizeAsync("scope.record"));
            var write = await Assert.ThrowsAsync<AuthorizeException>(() =>
                host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Denied, cancellationToken: Ct).AsTask());
            Assert.Equal(AuthorizeErrorCode.StoreUnavailable, write.Error.Code);
        }

        Assert.Null(await host.Decisions.GetAsync(SqliteHost.Alice, "scope.record", Ct));
        await host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Denied, cancellationToken: Ct);
        Assert.Equal(AuthorizeErrorCode.Denied, (await host.AuthorizeAsync("scope.camera")).Error!.Code);
    }

    [Fact]
    public async Task Authorize_DatabaseLockedExclusively_FailsClosedWithoutDialogThenRecovers()
    {
        await using var host = new SqliteHost(DbPath, o => o.BusyTimeout = TimeSpan.FromMilliseconds(100));
        await GrantCameraAsync(host);
        host.Database.DropIdle();

        using (var locker = SqliteHost.OpenSide(DbPath))
        {
            SqliteHost.Run(locker, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO auth_codes VALUES ('x', 'a', 'u', '[]', 0, 0, NULL);");

            AssertStoreUnavailable(await host.AuthorizeAsync("scope.camera"));
            AssertStoreUnavailable(await host.AuthorizeAsync("scope.record"));
            Assert.Equal(0, host.Prompter.Shown);
        }

        Assert.True((await host.AuthorizeAsync("scope.camera")).Succeeded);
    }

    [Fact]
    public async Task AuthCodes_DatabaseLockedExclusively_IssueAndRedeemFailClosedAndTheCodeSurvives()
    {
        await using var host = new SqliteHost(DbPath, o => o.BusyTimeout = TimeSpan.FromMilliseconds(100));
        var code = await host.AuthCodeService.IssueAuthCodeAsync(SqliteHost.Alice, ["auth_base"], Ct);
        host.Database.DropIdle();

        using (var locker = SqliteHost.OpenSide(DbPath))
        {
            SqliteHost.Run(locker, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO auth_codes VALUES ('x', 'a', 'u', '[]', 0, 0, NULL);");

            var redeem = await Assert.ThrowsAsync<AuthorizeException>(() => host.AuthCodeService.RedeemAuthCodeAsync("app-1", code, Ct).AsTask());
            var issue = await Assert.ThrowsAsync<AuthorizeException>(() => host.AuthCodeService.IssueAuthCodeAsync(SqliteHost.Alice, ["auth_base"], Ct).AsTask());
            Assert.Equal(AuthorizeErrorCode.StoreUnavailable, redeem.Error.Code);
            Assert.Equal(AuthorizeErrorCode.StoreUnavailable, issue.Error.Code);
        }

        Assert.Equal(AuthCodeRedemptionStatus.Redeemed, (await host.AuthCodeService.RedeemAuthCodeAsync("app-1", code, Ct)).Status);
    }

    [Fact]
    public async Task Authorize_DatabaseFolderDeleted_FailsClosedWithoutDialogThenRecoversWhenRestored()
    {
        await using var host = new SqliteHost(DbPath);
        await GrantCameraAsync(host);
        Assert.True((await host.AuthorizeAsync("scope.camera")).Succeeded);
        using (var side = SqliteHost.OpenSide(DbPath))
        {
            SqliteHost.Execute(side, "PRAGMA wal_checkpoint(TRUNCATE)");
        }

        var backup = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".db");
        File.Copy(DbPath, backup);
        try
        {
            Directory.Delete(_folder.Path, recursive: true);

            AssertStoreUnavailable(await PollAsync(() => host.AuthorizeAsync("scope.camera"), o => !o.Succeeded));
            AssertStoreUnavailable(await host.AuthorizeAsync("scope.record"));
            Assert.Equal(0, host.Prompter.Shown);
            Assert.False(File.Exists(DbPath), "A missing database must not be recreated empty: every past answer would be lost.");

            Directory.CreateDirectory(_folder.Path);
            File.Copy(backup, DbPath);

            Assert.True((await PollAsync(() => host.AuthorizeAsync("scope.camera"), o => o.Succeeded)).Succeeded);
        }
        finally
        {
            File.Delete(backup);
        }
    }

    [Fact]
    public async Task Authorize_ReadOnlyVolume_AnswersStoredDecisionsButGrantsNothingNewThenRecovers()
    {
        await using var host = new SqliteHost(DbPath);
        await GrantCameraAsync(host);

        host.Database.SimulateReadOnlyVolume(true);
        var stored = await host.AuthorizeAsync("scope.camera");
        var undetermined = await host.AuthorizeAsync("scope.record");
        var again = await host.AuthorizeAsync("scope.record");
        var write = await Assert.ThrowsAsync<AuthorizeException>(() =>
            host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Denied, cancellationToken: Ct).AsTask());

        Assert.True(stored.Succeeded);
        AssertStoreUnavailable(undetermined);
        AssertStoreUnavailable(again);
        Assert.Equal(AuthorizeErrorCode.StoreUnavailable, write.Error.Code);

        host.Database.SimulateReadOnlyVolume(false);
        await host.DecisionManager.SetDecisionAsync(SqliteHost.Alice, "scope.camera", DecisionState.Denied, cancellationToken: Ct);
        Assert.Equal(AuthorizeErrorCode.Denied, (await host.AuthorizeAsync("scope.camera")).Error!.Code);
        Assert.True((await host.AuthorizeAsync("scope.record")).Succeeded);
    }

    [Fact]
    public async Task Authorize_DatabaseFull_FailsClosedThenRecoversAfterPruning()
    {
        await using var host = new SqliteHost(DbPath, o => o.MaxDatabaseBytes = 64 * 1024);
        var soon = DateTimeOffset.UtcNow.AddMinutes(1);
        var filled = 0;
        var full = await Record.ExceptionAsync(async () =>
        {
            for (; filled < 100_000; filled++)
            {
                await host.Decisions.TryWriteAsync(new DecisionWrite(new Subject("filler", $"user-{filled:D6}"), "scope.camera",
                    DecisionState.Granted, DecisionSource.Admin, DateTimeOffset.UtcNow, soon, 0), Ct);
            }
        });
        var sqlite = Assert.IsType<SqliteException>(full);
        Assert.Equal(13, sqlite.SqliteErrorCode); // SQLITE_FULL
        Assert.InRange(filled, 10, 100_000 - 1);

        AssertStoreUnavailable(await host.AuthorizeAsync("scope.record"));
        Assert.Null(await host.Decisions.GetAsync(SqliteHost.Alice, "scope.record", Ct));

        Assert.Equal(filled, await host.Decisions.PruneExpiredAsync(soon, Ct));
        Assert.True((await host.AuthorizeAsync("scope.record")).Succeeded);
    }

    [Fact]
    public async Task Authorize_DecisionPagesCorruptOnDisk_FailsClosedWithoutDialogThenRecoversWhenRepaired()
    {
        await using var host = new SqliteHost(DbPath);
        await GrantCameraAsync(host);
        Assert.True((await host.AuthorizeAsync("scope.camera")).Succeeded);
        long page;
        long pageSize;
        using (var side = SqliteHost.OpenSide(DbPath))
        {
            SqliteHost.Execute(side, "PRAGMA wal_checkpoint(TRUNCATE)");
            page = SqliteHost.Execute(side, "SELECT rootpage FROM sqlite_schema WHERE name = 'decisions'");
            pageSize = SqliteHost.Execute(side, "PRAGMA page_size");
        }

        var original = new byte[pageSize];
        using (var file = new FileStream(DbPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = (page - 1) * pageSize;
            file.ReadExactly(original);
            file.Position = (page - 1) * pageSize;
            file.Write(Enumerable.Repeat((byte)0xA5, (int)pageSize).ToArray());
        }

        // Another process writes elsewhere: every connection then drops its page cache and reads the damaged page.
        using (var side = SqliteHost.OpenSide(DbPath))
        {
            SqliteHost.Execute(side, "INSERT INTO auth_codes VALUES ('bump', 'a', 'u', '[]', 0, 0, NULL)");
        }

        AssertStoreUnavailable(await host.AuthorizeAsync("scope.camera"));
        AssertStoreUnavailable(await host.AuthorizeAsync("scope.record"));
        Assert.Equal(0, host.Prompter.Shown);

        using (var file = new FileStream(DbPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = (page - 1) * pageSize;
            file.Write(original);
        }

        Assert.True((await host.AuthorizeAsync("scope.camera")).Succeeded);
    }
}
