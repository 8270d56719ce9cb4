namespace McastLab.Pipeline.Lab;

/// <summary>
/// What a check of report.json says besides its name and verdict: where traffic went and what was counted.
/// The lab writes it (<see cref="LabCheck"/>) into report.json, the contract for other readers.
/// </summary>
public abstract record CheckFigures
{
    /// <summary>For traffic checks: outside-to-pod, pod-to-outside, pod-to-pod-same-node, pod-to-pod-cross-node or node-from-own-pod.</summary>
    public string? Direction { get; init; }

    /// <summary>Where the sender ran and how it chose its interface, such as "k8s/sender (mcast send --bind)".</summary>
    public string? Sender { get; init; }

    /// <summary>Where the receiver ran: a host, or a pod as node/name.</summary>
    public string? Receiver { get; init; }

    /// <summary>The interface the receiver joined on; "(route)" when it named none.</summary>
    public string? Interface { get; init; }

    /// <summary>Datagrams the sender says it sent.</summary>
    public long? Sent { get; init; }

    /// <summary>Distinct datagrams the receiver got.</summary>
    public long? Received { get; init; }

    public long? Lost { get; init; }

    public long? Reordered { get; init; }

    public long? Duplicates { get; init; }

    /// <summary>Datagrams that were not valid data (mcast recv only).</summary>
    public long? Invalid { get; init; }

    /// <summary>Datagrams the kernel dropped at the receiver's socket (mcast recv only).</summary>
    public long? KernelDrops { get; init; }

    public double? JitterMs { get; init; }

    /// <summary>TTL of the received datagrams, as the receiver saw it.</summary>
    public int? TtlSeen { get; init; }

    /// <summary>Address the pod's attachment got from IPAM (or the host's address outside Kubernetes).</summary>
    public string? PodAddress { get; init; }

    /// <summary>One sentence: what was verified, or why it failed.</summary>
    public string? Detail { get; init; }

    /// <summary>mcast recv's per-second figures, when the receiver was mcast.</summary>
    public IReadOnlyList<ReceiverInterval>? Intervals { get; init; }
}
