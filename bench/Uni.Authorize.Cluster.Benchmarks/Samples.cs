using System.Globalization;

namespace Uni.Authorize.Cluster.Benchmarks;

/// <summary>Timings in milliseconds, summarized by nearest-rank percentiles.</summary>
internal sealed class Samples(string name)
{
    private readonly List<double> _values = [];

    public string Name { get; } = name;

    public int Count => _values.Count;

    public IReadOnlyList<double> Values => _values;

    public void Add(TimeSpan elapsed) => _values.Add(elapsed.TotalMilliseconds);

    public double Percentile(double p)
    {
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    public double Mean => _values.Count == 0 ? double.NaN : _values.Average();

    public static string Header => "| measured | n | p50 | p90 | p99 | max | mean |\n|---|---:|---:|---:|---:|---:|---:|";

    public string Row() =>
        $"| {Name} | {Count:N0} | {Ms(Percentile(50))} | {Ms(Percentile(90))} | {Ms(Percentile(99))} | {Ms(Max)} | {Ms(Mean)} |";

    public static string Ms(double value) => value < 1
        ? (value * 1000).ToString("0", CultureInfo.InvariantCulture) + " µs"
        : value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " ms";
}
