namespace McastLab.McastTools.Accounting;

/// <summary>
/// What mcast reports of a latency distribution, as sockperf does: p50, p90, p99, p99.9, p99.99 and the
/// maximum, in milliseconds. Percentiles are their bucket's highest value (at most 1/256 above the truth).
/// </summary>
internal sealed record LatencyPercentiles(double P50Ms, double P90Ms, double P99Ms, double P999Ms, double P9999Ms, double MaxMs)
{
    /// <summary>Null when nothing was recorded; <paramref name="exactMaxMs"/> replaces the histogram's maximum when known.</summary>
    public static LatencyPercentiles? Of(LatencyHistogram? histogram, double? exactMaxMs)
    {
        if (histogram is null || histogram.TotalCount == 0)
        {
            return null;
        }

        // A bucket's highest value can lie above the largest value recorded in it: the exact maximum bounds all.
        double Ms(double percentile) => Math.Min(histogram.ValueAtPercentile(percentile)!.Value / 1e6, exactMaxMs ?? double.MaxValue);
        return new LatencyPercentiles(Ms(50), Ms(90), Ms(99), Ms(99.9), Ms(99.99), Ms(100));
    }

    /// <summary>The values in the order of <see cref="Names"/>.</summary>
    public IReadOnlyList<double> Values => [P50Ms, P90Ms, P99Ms, P999Ms, P9999Ms, MaxMs];

    /// <summary>The labels reports print, in order: p50 p90 p99 p99.9 p99.99 max.</summary>
    public static readonly IReadOnlyList<string> Names = ["p50", "p90", "p99", "p99.9", "p99.99", "max"];
}
