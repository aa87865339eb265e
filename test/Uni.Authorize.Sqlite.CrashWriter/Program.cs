using Microsoft.Extensions.DependencyInjection;
using Uni.Authorize;

// Usage: CrashWriter <database path> <run id> [count]
// Records decisions through the real store; prints "ack <user id>" only after the write returned, then
// "done" when count writes are acknowledged (or runs until killed when no count is given).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CrashWriter <database path> <run id> [count]");
    return 2;
}

var services = new ServiceCollection();
services.AddUniAuthorize().AddSqliteStore(args[0]);
await using var provider = services.BuildServiceProvider();
var store = provider.GetRequiredService<IDecisionStore>();
var limit = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
output.WriteLine("ready");

for (var i = 0; i < limit; i++)
{
    var userId = $"{args[1]}-{i}";
    var state = i % 2 == 0 ? DecisionState.Granted : DecisionState.Denied;
    var result = await store.TryWriteAsync(new DecisionWrite(new Subject("crash-app", userId), "scope.camera", state, DecisionSource.Prompt, DateTimeOffset.UtcNow, null, 0));
    if (!result.Written)
    {
        Console.Error.WriteLine($"unexpected conflict for {userId}");
        return 1;
    }

    output.WriteLine($"ack {userId} {(int)state}");
}

output.WriteLine("done");
return 0;
