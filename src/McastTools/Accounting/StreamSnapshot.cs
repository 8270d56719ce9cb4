namespace McastLab.McastTools.Accounting;

/// <summary>A stream's counters at one moment, or their difference over an interval.</summary>
internal sealed record StreamSnapshot
{
    public long Received { get; init; }
    public long Bytes { get; init; }
    public long Lost { get; init; }
    public long OutOfOrder { get; init; }
    public long Duplicates { get; init; }
    public long Invalid { get; init; }
    public double JitterMs { get; init; }
    public int? Ttl { get; init; }
    public long KernelDrops { get; init; }
    public double? LatencyMinMs { get; init; }
    public double? LatencyAvgMs { get; init; }
    public double? LatencyMaxMs { get; init; }
    public double LatencySumMs { get; init; }
    public long LatencyCount { get; init; }

    /// <summary>One-way latency (or round trip, for replies) over the snapshot's span; null when the clocks disagree.</summary>
    public LatencyHistogram? Latency { get; init; }

    /// <summary>The reported percentiles of <see cref="Latency"/>, with the exact maximum where it is known.</summary>
    public LatencyPercentiles? Percentiles => LatencyPercentiles.Of(Latency, LatencyMaxMs);

    /// <summary>Loss as a percentage of the packets that should have arrived.</summary>
    public double LossPercent => Received + Lost == 0 ? 0 : 100.0 * Lost / (Received + Lost);

    /// <summary>What happened between <paramref name="earlier"/> and this snapshot.</summary>
    public StreamSnapshot Since(StreamSnapshot earlier)
    {
        var count = LatencyCount - earlier.LatencyCount;
        var sum = LatencySumMs - earlier.LatencySumMs;
        var latency = Latency is null ? null : earlier.Latency is null ? Latency : Latency.Minus(earlier.Latency);
        return this with
        {
            Received = Received - earlier.Received,
            Bytes = Bytes - earlier.Bytes,
            // A late arrival can fill a gap an earlier interval counted: the summary is authoritative.
            Lost = Math.Max(0, Lost - earlier.Lost),
            OutOfOrder = OutOfOrder - earlier.OutOfOrder,
            Duplicates = Duplicates - earlier.Duplicates,
            Invalid = Invalid - earlier.Invalid,
            KernelDrops = KernelDrops - earlier.KernelDrops,
            // The exact minimum is kept for the whole stream only; an interval's maximum is its histogram's,
            // which the stream's exact maximum bounds.
            LatencyMinMs = null,
            LatencyMaxMs = latency?.ValueAtPercentile(100) is { } highest ? Math.Min(highest / 1e6, LatencyMaxMs ?? double.MaxValue) : null,
            Latency = latency,
            LatencyAvgMs = count > 0 ? sum / count : null,
            LatencyCount = count,
            LatencySumMs = sum,
        };
    }

    public static readonly StreamSnapshot Empty = new();
}
