namespace McastLab.Pipeline.Lab;

/// <summary>
/// One assertion of the lab and the figures that back it. Figures a check does not measure stay null
/// (and are left out of report.json), so a reader never mistakes "not measured" for zero.
/// </summary>
public sealed record LabCheck
{
    /// <summary>Short stable name, such as "pod-1/iperf-to-mcast"; report.json and the failure message use it.</summary>
    public required string Name { get; init; }

    public required bool Passed { get; init; }

    /// <summary>For traffic checks: outside-to-pod, pod-to-outside, pod-to-pod-same-node, pod-to-pod-cross-node or node-from-own-pod.</summary>
    public string? Direction { get; init; }

    /// <summary>Which flow (one sender, one port) the check belongs to.</summary>
    public string? Flow { get; init; }

    /// <summary>Where the sender ran and how it chose its interface, such as "k8s/sender (mcast send --bind)".</summary>
    public string? Sender { get; init; }

    /// <summary>Where the receiver ran: a host, or a pod as node/name.</summary>
    public string? Receiver { get; init; }

    /// <summary>The interface the receiver joined on; "(route)" when it named none.</summary>
    public string? Interface { get; init; }

    /// <summary>What the receiver had to see: "everything sent", "nothing", or nothing because of a known limitation.</summary>
    public string? Expected { get; init; }

    /// <summary>Datagrams the sender says it sent.</summary>
    public long? Sent { get; init; }

    /// <summary>Distinct datagrams the receiver got.</summary>
    public long? Received { get; init; }

    public long? Lost { get; init; }

    public long? Reordered { get; init; }

    public long? Duplicates { get; init; }

    public double? JitterMs { get; init; }

    /// <summary>TTL of the received datagrams, as the receiver saw it.</summary>
    public int? TtlSeen { get; init; }

    /// <summary>Address the pod's attachment got from IPAM (or the host's address outside Kubernetes).</summary>
    public string? PodAddress { get; init; }

    /// <summary>One sentence: what was verified, or why it failed.</summary>
    public string? Detail { get; init; }

    /// <summary>mcast recv's per-second figures, when the receiver was mcast.</summary>
    public IReadOnlyList<ReceiverInterval>? Intervals { get; init; }

    /// <summary>A receiver's check with the figures of its report (null figures when it printed none).</summary>
    public static LabCheck FromReceiver(string name, bool passed, string detail, ReceiverReport? report, long? sent, string? podAddress) => new()
    {
        Name = name,
        Passed = passed,
        Sent = sent,
        Received = report?.Received,
        Lost = report?.Lost,
        Reordered = report?.Reordered,
        Duplicates = report?.Duplicates,
        JitterMs = report?.JitterMs,
        TtlSeen = report?.Ttl,
        PodAddress = podAddress,
        Detail = detail,
        Intervals = report is { Intervals.Count: > 0 } ? report.Intervals : null,
    };
}
