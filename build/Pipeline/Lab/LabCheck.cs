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
    };
}
