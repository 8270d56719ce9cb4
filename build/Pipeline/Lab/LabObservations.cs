namespace McastLab.Pipeline.Lab;

/// <summary>
/// Everything a backend saw while it realized and ran the experiment, and nothing it concluded:
/// <see cref="ExperimentVerdict"/> turns it into the checks of the report.
/// </summary>
public sealed record LabObservations
{
    /// <summary>Where the run happened, in one phrase for the report ("network namespaces on this machine", "namespace X of context Y").</summary>
    public required string Location { get; init; }

    /// <summary>Every pod the backend made, with what its attachments reported.</summary>
    public IReadOnlyList<PodObservation> Pods { get; init; } = [];

    /// <summary>The hosts on the segment and their addresses (mcastsrc, the nodes), for the topology and the address check.</summary>
    public IReadOnlyList<HostReport> Hosts { get; init; } = [];

    /// <summary>Addresses on the segment that hosts hold (not pods), each with its owner; the address check compares pods' against them.</summary>
    public IReadOnlyList<SegmentAddress> HostSegmentAddresses { get; init; } = [];

    /// <summary>Every flow the backend ran.</summary>
    public IReadOnlyList<FlowObservation> Flows { get; init; } = [];

    /// <summary>What was left of the run after its cleanup (empty: nothing); null when the backend did not look.</summary>
    public IReadOnlyList<string>? Leftovers { get; init; }

    /// <summary>Why the backend stopped before it could run the flows (a setup step failed); null when it got through.</summary>
    public string? SetupFailure { get; init; }

    /// <summary>A folder of what the backend saw of a run that did not go as planned (events, states, logs), relative to report.json's folder; null: none.</summary>
    public string? Diagnostics { get; init; }

    /// <summary>The host side after the flows, before cleanup (switch, firewalls, routes, rp_filter); null when the backend cannot see it.</summary>
    public HostSideEvidence? HostSide { get; init; }

    /// <summary>The leave timing a snooping segment's local run makes after its flows (<see cref="LeaveToLast"/>); null: not run.</summary>
    public FlowObservation? LeaveTiming { get; init; }
}

/// <summary>An address on the segment and who holds it (a pod as node/name, or a host).</summary>
public sealed record SegmentAddress(string Owner, string Address);

/// <summary>
/// A pod as the backend found it: its network-status entries (Multus' annotation, or made from the CNI results),
/// the range its attachment hands out (null: the lab's whole range), and problems its plugins reported
/// (a failed CNI CHECK, a sandbox error).
/// </summary>
public sealed record PodObservation(LabPod Pod, IReadOnlyList<NetworkStatusEntry> NetworkStatus)
{
    public (System.Net.IPAddress Start, System.Net.IPAddress End)? AttachmentRange { get; init; }

    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>One flow as it ran: the sender's outcome and its address on the segment, and each receiver's outcome.</summary>
public sealed record FlowObservation(string Flow, ContainerOutcome Sender, string? SenderAddress, IReadOnlyList<ReceiverObservation> Receivers);

/// <summary>
/// One receiver's outcome, by its check's name; <paramref name="Joined"/> says whether it was seen joined before
/// the send (null: the backend cannot tell), <paramref name="Address"/> is its own address, for the report.
/// </summary>
public sealed record ReceiverObservation(string Check, ContainerOutcome Output, bool? Joined, string? Address);
