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

    /// <summary>Loss as a percentage of the packets that should have arrived.</summary>
    public double LossPercent => Received + Lost == 0 ? 0 : 100.0 * Lost / (Received + Lost);

    /// <summary>What happened between <paramref name="earlier"/> and this snapshot.</summary>
    public StreamSnapshot Since(StreamSnapshot earlier)
    {
        var count = LatencyCount - earlier.LatencyCount;
        var sum = LatencySumMs - earlier.LatencySumMs;
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
            // Extremes are kept for the whole stream only: the summary carries them.
            LatencyMinMs = null,
            LatencyMaxMs = null,
            LatencyAvgMs = count > 0 ? sum / count : null,
            LatencyCount = count,
            LatencySumMs = sum,
        };
    }

    public static readonly StreamSnapshot Empty = new();
}
