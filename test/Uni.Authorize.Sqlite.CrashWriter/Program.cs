using Microsoft.Extensions.DependencyInjection;
using Uni.Authorize;

// A child process for the SQLite tests, using the real store as an application would:
//   write  <database> <run id> [count]   records decisions; prints "ack <user id> <state>" only after each write
//                                         returned, then "done" (runs until killed when no count is given)
//   redeem <database> <code hash> <n>    redeems one code from n concurrent callers; prints "redeemed <successes>"
if (args.Length < 3 || args[0] is not ("write" or "redeem"))
{
    Console.Error.WriteLine("usage: write <database> <run id> [count] | redeem <database> <code hash> <callers>");
    return 2;
}

var services = new ServiceCollection();
services.AddUniAuthorize().AddSqliteStore(args[1]);
await using var provider = services.BuildServiceProvider();
using var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };

if (args[0] == "redeem")
{
    var codes = provider.GetRequiredService<IAuthCodeStore>();
    var callers = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
    output.WriteLine("ready");
    var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        await codes.RedeemAsync(args[2], "app-1", DateTimeOffset.UtcNow))));
    output.WriteLine($"redeemed {results.Count(r => r.Succeeded)}");
    return 0;
}

var store = provider.GetRequiredService<IDecisionStore>();
var limit = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : int.MaxValue;
output.WriteLine("ready");
for (var i = 0; i < limit; i++)
{
    var userId = $"{args[2]}-{i}";
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
