using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// What a receiver counted, from either tool; null figures were not in its output. <see cref="ReceiverReport"/>
/// reads them from the tool and a check (<see cref="CheckFigures"/>) carries them into report.json as they are.
/// </summary>
public record ReceiverFigures
{
    /// <summary>Distinct datagrams the receiver got.</summary>
    public long? Received { get; init; }

    public long? Lost { get; init; }

    public long? Reordered { get; init; }

    public long? Duplicates { get; init; }

    /// <summary>Datagrams that were not the sender's data (no iperf header, or older than the window), over every stream heard (mcast recv only).</summary>
    public long? Invalid { get; init; }

    /// <summary>Datagrams the kernel dropped at the socket for want of buffer (SO_RXQ_OVFL), the largest figure reported (mcast recv only).</summary>
    public long? KernelDrops { get; init; }

    public double? JitterMs { get; init; }

    /// <summary>TTL of the received datagrams, as the receiver saw it.</summary>
    public int? TtlSeen { get; init; }

    /// <summary>mcast's "interval" events (one per stream per second with `--interval 1`), in the order printed; null when it printed none.</summary>
    [JsonPropertyOrder(1)] // last in a check of report.json, after the check's own detail
    public IReadOnlyList<ReceiverInterval>? Intervals { get; init; }
}

/// <summary>One "interval" event of `mcast recv`: seconds since the stream started, and that interval's figures.</summary>
public sealed record ReceiverInterval(double Start, double End, long Received, long Lost, long Reordered, long Duplicates);
