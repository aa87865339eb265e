using System.Diagnostics;

namespace Uni.Authorize.Sqlite.Tests;

public sealed class CrashDurabilityTests : IDisposable
{
    private const int Kills = 24;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _folder.Dispose();

    private static Process StartWriter(string path, string runId, int? count = null) =>
        StartChild(["write", path, runId, .. count is { } n ? [n.ToString(System.Globalization.CultureInfo.InvariantCulture)] : Array.Empty<string>()]);

    private static Process StartChild(string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Uni.Authorize.Sqlite.CrashWriter.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("Could not start the crash writer.");
    }

    private static async Task<string> ReadLineAsync(Process process) =>
        await process.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(StepTimeout, Ct)
            ?? throw new InvalidOperationException($"The writer ended early: {await process.StandardError.ReadToEndAsync(Ct)}");

    private static void CollectAck(string line, Dictionary<string, DecisionState> acknowledged)
    {
        var parts = line.Split(' ');
        if (parts is ["ack", var userId, var state])
        {
            acknowledged[userId] = (DecisionState)int.Parse(state, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task Sqlite_WriterKilledWithSigkillAtRandomMoments_EveryAcknowledgedDecisionSurvivesAndFileIsIntact()
    {
        var path = _folder.File("crash.db");
        var acknowledged = new Dictionary<string, DecisionState>(StringComparer.Ordinal);
        var random = new Random();

        for (var run = 0; run < Kills; run++)
        {
            using var writer = StartWriter(path, $"run{run}");
            try
            {
                Assert.Equal("ready", await ReadLineAsync(writer));
                CollectAck(await ReadLineAsync(writer), acknowledged);

                // Somewhere between the first few writes and a few hundred: inside a transaction most of the time.
                await Task.Delay(random.Next(0, 120), Ct);
            }
            finally
            {
                writer.Kill(); // SIGKILL: no shutdown code runs
            }

            // Acknowledgements already in the pipe were written before the kill.
            while (await writer.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(StepTimeout, Ct) is { } line)
            {
                CollectAck(line, acknowledged);
            }

            await writer.WaitForExitAsync(Ct).WaitAsync(StepTimeout, Ct);
            Assert.Equal(137, writer.ExitCode);
        }

        Assert.True(acknowledged.Count > Kills, $"Only {acknowledged.Count} writes were acknowledged in {Kills} runs.");
        using (var side = SqliteHost.OpenSide(path))
        {
            using var check = side.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", (string?)check.ExecuteScalar());
        }

        using var database = new SqliteDatabase(new SqliteStoreOptions { Path = path });
        var store = new SqliteDecisionStore(database);
        foreach (var (userId, state) in acknowledged)
        {
            var decision = await store.GetAsync(new Subject("crash-app", userId), "scope.camera", Ct);
            Assert.True(decision is not null, $"Acknowledged decision {userId} is missing after a kill.");
            Assert.Equal(state, decision.State);
            Assert.Single(await store.GetAuditAsync(new Subject("crash-app", userId), Ct));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{Kills} kills survived, {acknowledged.Count} acknowledged decisions intact.");
    }

    [Fact]
    public async Task Migrate_TwoProcessesStartOnANewFileAtOnce_BothWriteAndOneSchemaExists()
    {
        var path = Path.Combine(_folder.Path, "nested", "fresh.db");
        using var first = StartWriter(path, "a", count: 50);
        using var second = StartWriter(path, "b", count: 50);

        await Task.WhenAll(first.WaitForExitAsync(Ct), second.WaitForExitAsync(Ct)).WaitAsync(StepTimeout, Ct);

        Assert.True(first.ExitCode == 0, await first.StandardError.ReadToEndAsync(Ct));
        Assert.True(second.ExitCode == 0, await second.StandardError.ReadToEndAsync(Ct));
        using var side = SqliteHost.OpenSide(path);
        Assert.Equal(Migrations.Latest, SqliteHost.Execute(side, "PRAGMA user_version"));
        Assert.Equal(100, SqliteHost.Execute(side, "SELECT count(*) FROM decisions"));
        Assert.Equal(100, SqliteHost.Execute(side, "SELECT count(*) FROM decision_audit"));
    }

    [Fact]
    public async Task RedeemAsync_HundredRedeemersInTwoProcesses_ExactlyOneSucceeds()
    {
        var path = _folder.File("codes.db");
        var hash = AuthCodeService.HashCode("two-process-code");
        using (var database = new SqliteDatabase(new SqliteStoreOptions { Path = path }))
        {
            var now = DateTimeOffset.UtcNow;
            await new SqliteAuthCodeStore(database).AddAsync(new AuthCodeRecord(hash, new Subject("app-1", "alice"), ["auth_base"], now, now.AddMinutes(5)), Ct);
        }

        using var first = StartChild(["redeem", path, hash, "50"]);
        using var second = StartChild(["redeem", path, hash, "50"]);
        Assert.Equal("ready", await ReadLineAsync(first));
        Assert.Equal("ready", await ReadLineAsync(second));
        var lines = await Task.WhenAll(ReadLineAsync(first), ReadLineAsync(second));

        var successes = lines.Sum(line => int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, successes);
        await Task.WhenAll(first.WaitForExitAsync(Ct), second.WaitForExitAsync(Ct)).WaitAsync(StepTimeout, Ct);
    }
}
