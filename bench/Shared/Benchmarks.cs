using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Uni.Authorize.Bench;

/// <summary>Runs BenchmarkDotNet's switcher and turns its outcome into an exit code. BenchmarkDotNet reports a benchmark
/// whose setup threw and goes on, exiting 0; a check that runs the benchmarks (build/test.sh) needs them to fail.</summary>
internal static class Benchmarks
{
    public static int Run(System.Reflection.Assembly assembly, string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(assembly).Run(args).ToArray();
        var failed = summaries.SelectMany(Failures).ToArray();
        foreach (var failure in failed)
        {
            Console.Error.WriteLine($"Benchmark failed: {failure}");
        }

        // A filter that matched nothing is a failure too: a renamed class would otherwise drop out of the check unseen.
        if (summaries.Length == 0 && args.Contains("--filter"))
        {
            Console.Error.WriteLine("No benchmark matched the filter.");
            return 1;
        }

        return failed.Length == 0 ? 0 : 1;
    }

    private static IEnumerable<string> Failures(Summary summary)
    {
        if (summary.HasCriticalValidationErrors)
        {
            yield return $"{summary.Title}: {string.Join("; ", summary.ValidationErrors.Select(e => e.Message))}";
        }

        foreach (var report in summary.Reports.Where(r => !r.Success))
        {
            yield return report.BenchmarkCase.DisplayInfo;
        }
    }
}
