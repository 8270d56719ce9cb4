using System.Numerics;

namespace McastLab.McastTools.Accounting;

/// <summary>
/// An HDR-style histogram of latencies in nanoseconds: log-linear buckets (each power of two split into
/// <see cref="SubBuckets"/> linear steps), so any value is known to within 1/<see cref="SubBuckets"/> of
/// itself, in fixed memory (about 70 KiB) from 0 to <see cref="HighestTrackable"/>. Recording is one
/// index computation and one increment: it sits on the receive path.
/// </summary>
internal sealed class LatencyHistogram
{
    /// <summary>Linear steps per power of two; values below 2 × this are exact.</summary>
    public const int SubBuckets = 256;

    private const int SubBucketBits = 9;            // log2(2 × SubBuckets): bucket 0 covers [0, 512) ns exactly
    private const int HighestBit = 42;              // 2^42 ns ≈ 73 minutes; larger values count there
    private const int Length = ((HighestBit - SubBucketBits + 2) * SubBuckets) + SubBuckets;

    /// <summary>The largest value told apart from larger ones; anything above it is recorded as it.</summary>
    public const long HighestTrackable = (1L << HighestBit) - 1;

    private readonly long[] _counts;

    public LatencyHistogram()
        : this(new long[Length], 0)
    {
    }

    private LatencyHistogram(long[] counts, long total)
    {
        _counts = counts;
        TotalCount = total;
    }

    public long TotalCount { get; private set; }

    /// <summary>Counts one latency; negative values (clocks that disagree) count as 0, the caller keeps the minimum.</summary>
    public void Record(long nanoseconds)
    {
        _counts[IndexOf(nanoseconds)]++;
        TotalCount++;
    }

    /// <summary>A frozen copy: a snapshot keeps it while recording goes on.</summary>
    public LatencyHistogram Copy() => new((long[])_counts.Clone(), TotalCount);

    /// <summary>The latencies recorded since <paramref name="earlier"/>, a copy of this histogram taken before.</summary>
    public LatencyHistogram Minus(LatencyHistogram earlier)
    {
        var counts = new long[Length];
        for (var i = 0; i < Length; i++)
        {
            counts[i] = _counts[i] - earlier._counts[i];
        }

        return new LatencyHistogram(counts, TotalCount - earlier.TotalCount);
    }

    /// <summary>
    /// The value at or below which <paramref name="percentile"/> percent of the recorded values lie, as the
    /// highest value of its bucket (HDR's convention: never below the true value, at most 1/256 above it);
    /// null when nothing was recorded.
    /// </summary>
    public long? ValueAtPercentile(double percentile)
    {
        if (TotalCount == 0)
        {
            return null;
        }

        // Rounded first: 99.9 % of 10,000 is 9,990 (not the 9,991 that 0.999 × 10,000's binary error would give).
        var wanted = Math.Max(1, (long)Math.Ceiling(Math.Round(Math.Clamp(percentile, 0, 100) / 100 * TotalCount, 6)));
        long seen = 0;
        for (var i = 0; i < Length; i++)
        {
            seen += _counts[i];
            if (seen >= wanted)
            {
                return HighestEquivalent(i);
            }
        }

        return HighestEquivalent(Length - 1);
    }

    /// <summary>The buckets that hold values, lowest first: each one's highest value and count (for exporters).</summary>
    public IEnumerable<(long HighestValue, long Count)> Buckets()
    {
        for (var i = 0; i < Length; i++)
        {
            if (_counts[i] != 0)
            {
                yield return (HighestEquivalent(i), _counts[i]);
            }
        }
    }

    private static int IndexOf(long value)
    {
        value = Math.Clamp(value, 0, HighestTrackable);
        if (value < 2 * SubBuckets)
        {
            return (int)value;
        }

        // Bucket b >= 1 holds [2^(8+b), 2^(9+b)) in steps of 2^b; its sub-bucket is value >> b, in [256, 512).
        var bucket = (63 - BitOperations.LeadingZeroCount((ulong)value)) - SubBucketBits + 1;
        return (bucket * SubBuckets) + (int)(value >> bucket);
    }

    private static long HighestEquivalent(int index)
    {
        if (index < 2 * SubBuckets)
        {
            return index;
        }

        var bucket = (index / SubBuckets) - 1;
        var sub = index - (bucket * SubBuckets);
        return ((long)sub << bucket) + (1L << bucket) - 1;
    }
}
