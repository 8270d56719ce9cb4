using McastLab.McastTools.Accounting;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Tests;

/// <summary>
/// The latency histogram and its percentiles against distributions whose percentiles are known exactly:
/// every reported value must lie at or above the true one and at most 1/256 above it.
/// </summary>
public sealed class LatencyTests
{
    private const double Precision = 1.0 / LatencyHistogram.SubBuckets;

    private static readonly double[] Reported = [50, 90, 99, 99.9, 99.99, 100];

    /// <summary>The nearest-rank percentile: the smallest value with at least p% of the values at or below it.</summary>
    private static long Exact(long[] sorted, double percentile) =>
        sorted[Math.Max(0, (int)Math.Ceiling(Math.Round(percentile * sorted.Length / 100, 6)) - 1)];

    private static void AssertClose(long exact, double reported, string what) =>
        Assert.True(reported >= exact && reported <= exact * (1 + Precision) + 1, $"{what}: reported {reported}, exact {exact}");

    [Fact]
    public void Percentiles_of_a_heavy_tailed_distribution_are_within_the_bound()
    {
        // Log-normal around 15 µs with a tail into milliseconds, as sockperf's ul showed on a veth.
        var random = new Random(2301);
        var values = new long[200_000];
        var histogram = new LatencyHistogram();
        for (var i = 0; i < values.Length; i++)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = (long)Math.Exp(Math.Log(15_000) + (1.2 * normal));
            histogram.Record(values[i]);
        }

        Array.Sort(values);
        Assert.Equal(values.Length, histogram.TotalCount);
        foreach (var percentile in Reported)
        {
            AssertClose(Exact(values, percentile), histogram.ValueAtPercentile(percentile)!.Value, $"p{percentile}");
        }
    }

    [Fact]
    public void Values_below_512_ns_are_exact_and_the_range_reaches_an_hour()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(0);
        histogram.Record(511);
        histogram.Record(-5);
        histogram.Record(3_600_000_000_000);
        histogram.Record(long.MaxValue);

        Assert.Equal(0, histogram.ValueAtPercentile(40));
        Assert.Equal(511, histogram.ValueAtPercentile(60));
        AssertClose(3_600_000_000_000, histogram.ValueAtPercentile(80)!.Value, "an hour");
        Assert.Equal(LatencyHistogram.HighestTrackable, histogram.ValueAtPercentile(100));
        Assert.Null(new LatencyHistogram().ValueAtPercentile(50));
    }

    [Fact]
    public void Every_bucket_boundary_keeps_the_bound()
    {
        var histogram = new LatencyHistogram();
        for (var bit = 9; bit < 42; bit++)
        {
            foreach (var value in new[] { (1L << bit) - 1, 1L << bit, (1L << bit) + 1, (3L << bit) / 2 })
            {
                var single = new LatencyHistogram();
                single.Record(value);
                AssertClose(value, single.ValueAtPercentile(100)!.Value, $"{value}");
                histogram.Record(value);
            }
        }

        var buckets = histogram.Buckets().ToList();
        Assert.Equal(histogram.TotalCount, buckets.Sum(b => b.Count));
        Assert.Equal(buckets.OrderBy(b => b.HighestValue), buckets);
    }

    private static byte[] Datagram(long id, long sentMicros)
    {
        var bytes = DatagramTemplate.Create(64);
        new IperfHeader(id, (uint)(sentMicros / 1_000_000), (uint)(sentMicros % 1_000_000)).Write(bytes);
        return bytes;
    }

    [Fact]
    public void A_stream_reports_the_percentiles_of_its_injected_timestamps()
    {
        // One datagram per latency 1 µs ... 10,000 µs, in a shuffled order: p50 is 5,000 µs, p99.99 10,000 µs.
        var latencies = Enumerable.Range(1, 10_000).Select(us => us * 1000L).ToArray();
        new Random(2302).Shuffle(latencies);
        var counters = new StreamCounters();
        const long epochMicros = 1_700_000_000_000_000;
        for (var i = 0; i < latencies.Length; i++)
        {
            var sent = epochMicros + (i * 100L);
            counters.Record(Datagram(i + 1, sent), i * 0.0001, (sent * 1000) + latencies[i], null);
        }

        var p = counters.Snapshot(0).Percentiles!;
        Array.Sort(latencies);
        var expected = Reported.Select(r => Exact(latencies, r)).ToArray();
        Assert.Equal([5_000_000L, 9_000_000L, 9_900_000L, 9_990_000L, 9_999_000L, 10_000_000L], expected);
        for (var i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], p.Values[i] * 1e6, LatencyPercentiles.Names[i]);
        }

        // The exact maximum, not its bucket's upper bound, in the summary.
        Assert.Equal(10.0, p.MaxMs);
    }

    [Fact]
    public void An_interval_reports_only_its_own_latencies()
    {
        var counters = new StreamCounters();
        const long sent = 1_700_000_000_000_000;
        // First interval: 1,000 datagrams at 10 µs; second: 1,000 at 2 ms.
        for (var i = 1; i <= 1000; i++)
        {
            counters.Record(Datagram(i, sent), 0, (sent * 1000) + 10_000, null);
        }

        var first = counters.Snapshot(0);
        for (var i = 1001; i <= 2000; i++)
        {
            counters.Record(Datagram(i, sent), 1, (sent * 1000) + 2_000_000, null);
        }

        var whole = counters.Snapshot(0);
        var second = whole.Since(first).Percentiles!;
        var firstOnly = first.Since(StreamSnapshot.Empty).Percentiles!;

        AssertClose(10_000, firstOnly.P99Ms * 1e6, "first interval p99");
        AssertClose(10_000, firstOnly.MaxMs * 1e6, "first interval max");
        AssertClose(2_000_000, second.P50Ms * 1e6, "second interval p50");
        AssertClose(2_000_000, second.MaxMs * 1e6, "second interval max");
        AssertClose(10_000, whole.Percentiles!.P50Ms * 1e6, "whole p50");
        AssertClose(2_000_000, whole.Percentiles!.P90Ms * 1e6, "whole p90");
    }

    [Fact]
    public void Percentiles_are_withheld_when_a_latency_is_negative()
    {
        var counters = new StreamCounters();
        const long sent = 1_700_000_000_000_000;
        counters.Record(Datagram(1, sent), 0, (sent * 1000) + 5_000, null);
        counters.Record(Datagram(2, sent), 0, (sent * 1000) - 5_000, null);

        Assert.Null(counters.Snapshot(0).Percentiles);
    }
}
