namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>Everything about one failed receiver check that the causes look at.</summary>
/// <param name="Segment">The segment's interface name (eth1).</param>
/// <param name="Ttl">The TTL the lab's senders were told to set.</param>
/// <param name="SenderAddress">The sender's address on the segment, when known.</param>
public sealed record FailedReceiver(
    LabCheck Check,
    TrafficFlow Flow,
    FlowReceiver Receiver,
    string Segment,
    int Ttl,
    string? SenderAddress,
    string? ReceiverAddress,
    ReceiverProbeEvent? ReceiverProbe,
    SenderProbeEvent? SenderProbe,
    PlaceEvidence? ReceiverPlace,
    PlaceEvidence? SenderPlace,
    SegmentEvidence? Switch)
{
    /// <summary>
    /// From the programs' outputs (the probes' events) and whatever host side the backend saw; a backend that sees
    /// none (the cluster one, which has the pods' logs) leaves the host side null.
    /// </summary>
    public static FailedReceiver From(LabCheck check, TrafficFlow flow, FlowReceiver receiver, string segment, int ttl,
        FlowObservation ran, ReceiverObservation output, HostSideEvidence? hostSide) => new(
        check, flow, receiver, segment, ttl, ran.SenderAddress, output.Address,
        ReceiverProbeEvent.From(output.Output.Stdout),
        // mcast send prints its event on stderr; a backend that merges the streams (a pod's log) has it in one text.
        SenderProbeEvent.From(ran.Sender.Stderr + "\n" + ran.Sender.Stdout),
        hostSide?.Place(receiver.Place), hostSide?.Place(flow.Sender.Place), hostSide?.Switch);

    /// <summary>Datagrams the receiver's socket dropped (its queue overflowed), as it reported them.</summary>
    public long? KernelDrops => Check.KernelDrops;

    /// <summary>Whether the receiver got part of the stream: some datagrams, not all (a stream that stopped, or stopped and came back).</summary>
    public bool PartialDelivery => Check.Received > 0 && Check.Sent is { } sent && Check.Received < sent;

    /// <summary>The switch port the receiver's node is on, when the segment is a switch.</summary>
    public string? ReceiverPort => ReceiverPlace is null || Switch is null ? null : Switch.PortOfHost.GetValueOrDefault(ReceiverPlace.Node);
}
