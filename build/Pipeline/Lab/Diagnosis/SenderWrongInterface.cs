namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>The sender's datagrams leave by another interface than the segment's (a route, a rule or an option chose it; multus#1352).</summary>
public sealed class SenderWrongInterface() : Cause(
    "sender-wrong-interface",
    "sender on the wrong interface",
    "make the sender leave by the segment: name it (mcast send --interface eth1, iperf -c G -B ADDR with the segment's address), or fix the route or policy rule that sends the group elsewhere (ip route get G; ip rule)")
{
    public override string? Evidence(FailedReceiver f) =>
        f.SenderProbe is { OutgoingInterface: { } outgoing } s && outgoing != f.Segment
            ? $"the sender's datagrams left by {outgoing} (chosen by {s.ChosenBy}, source {s.SourceAddress ?? "(none)"}), not by {f.Segment}{(s.RouteInterface == f.Segment ? $", although the main table's route {s.RouteDestination} names {f.Segment}: a policy rule chose another table" : "")}."
            : null;
}
