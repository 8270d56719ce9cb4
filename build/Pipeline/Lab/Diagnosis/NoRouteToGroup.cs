namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// A sender or receiver that lets the route choose has no route for the group on the segment: the default
/// route (the cluster network's eth0 in a pod) takes the group instead (multus#847).
/// </summary>
public sealed class NoRouteToGroup() : Cause(
    "no-route",
    "no route to the group on the intended interface",
    "give the attachment a route for 224.0.0.0/4 (the NetworkAttachmentDefinition's ipam \"routes\": [{\"dst\": \"224.0.0.0/4\"}]), or name the interface (mcast --interface eth1, iperf -B G%eth1)")
{
    public override string? Evidence(FailedReceiver f)
    {
        if (f.SenderProbe is { ChosenBy: "route" } s && s.OutgoingInterface != f.Segment && !s.RouteIsMulticast)
        {
            return $"the sender chose its interface by route and left by {s.OutgoingInterface ?? "(unknown)"} through the route {s.RouteDestination ?? "(none)"}: no multicast route covers the group on {f.Segment}.";
        }
        if (f.ReceiverProbe is { RequestedInterface: null } r && !r.MembershipInterfaces.Contains(f.Segment) && !r.RouteIsMulticast)
        {
            return $"the receiver joined by route and the kernel holds its membership on {Names(r.MembershipInterfaces)} through the route {r.RouteDestination ?? "(none)"}: no multicast route covers the group on {f.Segment}.";
        }
        return null;
    }

    internal static string Names(IReadOnlyList<string> interfaces) => interfaces.Count == 0 ? "no interface" : string.Join(", ", interfaces);
}
