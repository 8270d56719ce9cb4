using System.Globalization;
using McastLab.McastTools.Accounting;

namespace McastLab.McastTools.Metrics;

/// <summary>
/// The metrics of `mcast recv --metrics`, named as Prometheus asks: an mcast_ prefix, base units (seconds,
/// bytes), _total on counters only. Streams are labelled by group, source address and source port.
/// </summary>
internal static class ReceiverMetrics
{
    /// <summary>The histogram's upper bounds in seconds, 10 µs to 1 s (an LAN feed to a slow WAN one).</summary>
    public static readonly double[] LatencyBounds = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    private static readonly (string Name, string Type, string Help, Func<StreamSnapshot, double> Value)[] StreamFamilies =
    [
        ("mcast_received_datagrams_total", "counter", "Distinct data datagrams received on the stream (duplicates not counted).", c => c.Received),
        ("mcast_received_bytes_total", "counter", "UDP payload bytes of the distinct datagrams received.", c => c.Bytes),
        ("mcast_lost_datagrams", "gauge", "Datagrams missing between the first and highest id seen; a late arrival lowers it, so it is a gauge.", c => c.Lost),
        ("mcast_out_of_order_datagrams_total", "counter", "Datagrams that arrived after a higher id (not duplicates).", c => c.OutOfOrder),
        ("mcast_duplicate_datagrams_total", "counter", "Further copies of datagrams already received.", c => c.Duplicates),
        ("mcast_invalid_datagrams_total", "counter", "Datagrams too short for the iperf header or too old for the reordering window.", c => c.Invalid),
        ("mcast_jitter_seconds", "gauge", "RFC 3550 interarrival jitter of the stream.", c => c.JitterMs / 1000),
    ];

    public static string Render(PublishedState? state)
    {
        var text = new PrometheusText();
        if (state is null)
        {
            // Before the receive loop's first publication (the join is still under way).
            text.Family("mcast_up", "gauge", "1 once the receiver has joined its groups and counts.");
            text.Sample("mcast_up", [], 0);
            return text.ToString();
        }

        text.Family("mcast_up", "gauge", "1 once the receiver has joined its groups and counts.");
        text.Sample("mcast_up", [], 1);
        text.Family("mcast_joined_groups", "gauge", "Multicast groups this receiver joined.");
        text.Sample("mcast_joined_groups", [], state.Groups.Count);
        text.Family("mcast_receive_sockets", "gauge", "Sockets the groups are joined on (the kernel limits memberships per socket).");
        text.Sample("mcast_receive_sockets", [], state.Sockets);
        text.Family("mcast_kernel_dropped_datagrams_total", "counter", "Datagrams the kernel dropped because a receive socket's buffer was full (SO_RXQ_OVFL, all sockets).");
        text.Sample("mcast_kernel_dropped_datagrams_total", [], state.KernelDrops);

        // Every joined group, silent ones too: a feed that stopped shows 0 sources here.
        text.Family("mcast_group_sources", "gauge", "Senders (address and port) seen on the group; 0 for a joined group that has carried nothing.");
        var perGroup = state.Streams.GroupBy(s => s.Key.Group?.ToString() ?? "").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var group in state.Groups)
        {
            var name = group.ToString();
            text.Sample("mcast_group_sources", [new("group", name)], perGroup.GetValueOrDefault(name));
        }

        foreach (var (name, type, help, value) in StreamFamilies)
        {
            text.Family(name, type, help);
            foreach (var stream in state.Streams)
            {
                text.Sample(name, Labels(stream.Key), value(stream.Counters));
            }
        }

        var now = state.CurrentTime;
        text.Family("mcast_last_datagram_age_seconds", "gauge", "Seconds since the stream's latest datagram arrived.");
        foreach (var stream in state.Streams)
        {
            text.Sample("mcast_last_datagram_age_seconds", Labels(stream.Key), Math.Max(0, now - stream.LastSeen));
        }

        Latency(text, state.Streams);
        return text.ToString();
    }

    /// <summary>One-way latency (sender timestamp to kernel arrival), only for streams whose clocks agree.</summary>
    private static void Latency(PrometheusText text, IReadOnlyList<PublishedStream> streams)
    {
        const string name = "mcast_latency_seconds";
        text.Family(name, "histogram", "One-way latency from the sender's timestamp to the kernel's receive time (needs synchronised clocks).");
        foreach (var stream in streams)
        {
            var labels = Labels(stream.Key);
            var c = stream.Counters;
            var cumulative = Cumulative(c.Latency);
            for (var i = 0; i < LatencyBounds.Length; i++)
            {
                text.Sample(name + "_bucket", [.. labels, new("le", PrometheusText.Number(LatencyBounds[i]))], cumulative[i]);
            }

            text.Sample(name + "_bucket", [.. labels, new("le", "+Inf")], c.LatencyCount);
            text.Sample(name + "_sum", labels, c.LatencySumMs / 1000);
            text.Sample(name + "_count", labels, c.LatencyCount);
        }
    }

    /// <summary>
    /// The count at or below each bound, from the HDR histogram's buckets: a bucket counts at the first bound
    /// its highest value fits under (so a count is never above the truth, and off by at most 1/256 of the bound).
    /// </summary>
    public static long[] Cumulative(LatencyHistogram? histogram)
    {
        var counts = new long[LatencyBounds.Length];
        if (histogram is null)
        {
            return counts;
        }

        foreach (var (highestNanos, count) in histogram.Buckets())
        {
            for (var i = 0; i < LatencyBounds.Length; i++)
            {
                if (highestNanos <= LatencyBounds[i] * 1e9)
                {
                    counts[i] += count;
                }
            }
        }

        return counts;
    }

    private static KeyValuePair<string, string>[] Labels(StreamKey key) =>
    [
        new("group", key.Group?.ToString() ?? ""),
        new("source", key.Address.ToString()),
        new("source_port", key.Port.ToString(CultureInfo.InvariantCulture)),
    ];
}
