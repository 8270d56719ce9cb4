namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>The receiver's membership is on another interface than the one the stream arrives on.</summary>
public sealed class ReceiverWrongInterface() : Cause(
    "receiver-wrong-interface",
    "receiver joined on the wrong interface",
    "join on the segment's interface: mcast recv --interface eth1 (or G%eth1), iperf -s -B G%eth1; a join by route follows the route for the group (ip route get G)")
{
    public override string? Evidence(FailedReceiver f)
    {
        if (f.ReceiverProbe is not { } r || r.MembershipInterfaces.Contains(f.Segment)) return null;
        var wanted = f.Receiver.Interface ?? f.Segment;
        if (wanted != f.Segment) return null;
        return $"the kernel holds the receiver's membership on {NoRouteToGroup.Names(r.MembershipInterfaces)}, not on {f.Segment}{(r.RequestedInterface is null ? $" (it joined by route: {r.RouteDestination} leaves by {r.RouteInterface})" : "")}.";
    }
}
