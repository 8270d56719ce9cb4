using System.Globalization;

namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// The evidence rule of each cause of <see cref="CauseCatalog"/>: null when what was seen does not point to it,
/// else one sentence saying what was seen. Each rule reads the probes' events and the host side of one failed
/// receiver (<see cref="FailedReceiver"/>).
/// </summary>
public static class CauseEvidence
{
    /// <summary>
    /// A sender or receiver that lets the route choose has no route for the group on the segment: the default
    /// route (the cluster network's eth0 in a pod) takes the group instead (multus#847).
    /// </summary>
    public static string? NoRouteToGroup(FailedReceiver f)
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

    /// <summary>The sender's datagrams leave by another interface than the segment's (a route, a rule or an option chose it; multus#1352).</summary>
    public static string? SenderWrongInterface(FailedReceiver f) =>
        f.SenderProbe is { OutgoingInterface: { } outgoing } s && outgoing != f.Segment
            ? $"the sender's datagrams left by {outgoing} (chosen by {s.ChosenBy}, source {s.SourceAddress ?? "(none)"}), not by {f.Segment}{(s.RouteInterface == f.Segment ? $", although the main table's route {s.RouteDestination} names {f.Segment}: a policy rule chose another table" : "")}."
            : null;

    /// <summary>The receiver's membership is on another interface than the one the stream arrives on.</summary>
    public static string? ReceiverWrongInterface(FailedReceiver f)
    {
        if (f.ReceiverProbe is not { } r || r.MembershipInterfaces.Contains(f.Segment)) return null;
        var wanted = f.Receiver.Interface ?? f.Segment;
        if (wanted != f.Segment) return null;
        return $"the kernel holds the receiver's membership on {Names(r.MembershipInterfaces)}, not on {f.Segment}{(r.RequestedInterface is null ? $" (it joined by route: {r.RouteDestination} leaves by {r.RouteInterface})" : "")}.";
    }

    /// <summary>A source-specific join (IGMPv3/MLDv2 (S,G)) names another source than the one sending.</summary>
    public static string? SourceNotAllowed(FailedReceiver f) =>
        f.ReceiverProbe is { SourceFilter: { } filter } && f.SenderAddress is { } sender && filter != sender
            ? $"the receiver joined source-specific for {filter}, but the stream comes from {sender}."
            : null;

    /// <summary>
    /// macvlan keeps the traffic apart: a parent interface never hears its children (multus#691), and in modes
    /// other than bridge the children of one parent do not hear each other.
    /// </summary>
    public static string? MacvlanIsolation(FailedReceiver f)
    {
        var sameNode = f.ReceiverPlace is { } r && f.SenderPlace is { } s && r.Node == s.Node;
        if (!sameNode) return null;
        if (f.Receiver.Direction == FlowDirection.NodeFromOwnPod)
        {
            return $"the receiver is the macvlan parent ({f.Segment} of node {f.ReceiverPlace!.Node}) of the sending pod's interface: a parent never receives what its children send.";
        }
        var mode = f.SenderPlace!.MacvlanMode is { } m && m != "bridge" ? m : f.ReceiverPlace!.MacvlanMode is { } n && n != "bridge" ? n : null;
        return mode is null ? null : $"sender and receiver are macvlan children of one parent on node {f.ReceiverPlace!.Node} in mode {mode}, which does not pass frames between children.";
    }

    /// <summary>Strict rp_filter drops the stream because the route back to its source leaves by another interface (weave#354).</summary>
    public static string? ReversePathFilter(FailedReceiver f)
    {
        if ((f.ReceiverProbe?.RpFilter != 1 && f.ReceiverPlace?.RpFilter != 1) || f.SenderAddress is not { } source) return null;
        if (f.ReceiverPlace?.ReverseRouteInterface.GetValueOrDefault(source) is not { } back || back == f.Segment) return null;
        return $"rp_filter is 1 (strict) where the receiver is, and its route back to the source {source} leaves by {back}, not by {f.Segment} where the stream arrives.";
    }

    /// <summary>A firewall drops the receiver's IGMP reports, so a snooping switch never forwards the group to it (kube-ovn#3080).</summary>
    public static string? IgmpReportsBlocked(FailedReceiver f)
    {
        var rule = f.ReceiverPlace?.DropRules.FirstOrDefault(r => r.Contains("igmp", StringComparison.OrdinalIgnoreCase) || r.Contains("-p 2 ", StringComparison.Ordinal));
        if (rule is null) return null;
        var port = f.ReceiverPort;
        var notRegistered = f.Switch is { Snooping: true } sw && port is not null && !sw.GroupPorts.Contains(port);
        return $"a firewall rule where the receiver is drops IGMP ({rule.Trim()}){(notRegistered ? $", and the switch's group entry (bridge mdb) does not hold the receiver's port {port}" : "")}.";
    }

    /// <summary>
    /// The switch snoops IGMP and does not flood unregistered groups, but no querier is on the segment: it
    /// forwards nothing to the members, or drops them when their membership times out (openshift-ansible#11980).
    /// </summary>
    public static string? NoQuerier(FailedReceiver f) =>
        f.Switch is { Snooping: true, Querier: false } sw && sw.PortsNotFlooding.Count > 0
            ? $"the switch snoops IGMP (mcast_snooping 1) and its ports {string.Join(", ", sw.PortsNotFlooding)} do not flood unregistered groups (mcast_flood off), and no querier runs (mcast_querier 0)."
            : null;

    /// <summary>Delivery began, then stopped: the switch let the receiver's membership expire before a query refreshed it (antrea#7140).</summary>
    public static string? MembershipExpired(FailedReceiver f)
    {
        if (f.Switch is not { Snooping: true, Querier: true } sw) return null;
        // Robustness 2: a member must outlive two queries and the time to answer; sooner, it expires between them.
        var forgetful = sw.MembershipIntervalCs is { } member && sw.QueryIntervalCs is { } query && member <= 2 * query;
        var left = f.ReceiverPort is { } p && !sw.GroupPorts.Contains(p);
        // A stream that stopped, or none at all when the membership was gone before the sender began.
        if (!(f.PartialDelivery && (forgetful || left)) && !(f.Check.Received == 0 && forgetful)) return null;
        var timers = sw.MembershipIntervalCs is { } m && sw.QueryIntervalCs is { } q
            ? string.Create(CultureInfo.InvariantCulture, $"; the switch forgets a member after {m / 100.0:0.#} s but queries every {q / 100.0:0.#} s")
            : "";
        var port = f.ReceiverPort;
        var gone = port is not null && !sw.GroupPorts.Contains(port) ? $", and its group entry no longer holds the receiver's port {port}" : "";
        return f.Check.Received > 0
            ? string.Create(CultureInfo.InvariantCulture, $"the receiver got {f.Check.Received} of {f.Check.Sent} datagrams, then the stream stopped{timers}{gone}.")
            : string.Create(CultureInfo.InvariantCulture, $"the receiver joined but got none of the {f.Check.Sent} datagrams: its membership expired before the stream came{timers}{gone}.");
    }

    /// <summary>The sender's TTL runs out on the path: each router takes one (esnet/iperf#262; iperf's default TTL is 1).</summary>
    public static string? TtlTooSmall(FailedReceiver f)
    {
        var ttl = f.SenderProbe?.Ttl ?? f.Ttl;
        // Each router on the path takes one: the received TTL tells how many the stream crossed.
        if (f.Check.TtlSeen is { } seen && seen < ttl && seen <= 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the sender set TTL {ttl} and it arrived as {seen}: the path has {ttl - seen} router(s), so one more drops it.");
        }
        return ttl == 0 ? "the sender set TTL 0: its datagrams never leave the host." : null;
    }

    /// <summary>The receiver's socket queue overflowed: the kernel dropped datagrams it had received (SO_RXQ_OVFL, Udp RcvbufErrors).</summary>
    public static string? SocketBufferTooSmall(FailedReceiver f)
    {
        var buffer = f.ReceiverProbe is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"; its buffer is {r.ReceiveBufferBytes} bytes ({r.ReceiveBufferRequestedBytes} asked for)")
            : "";
        if (f.KernelDrops is > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the kernel dropped {f.KernelDrops} datagrams from the receiver's full socket queue{buffer}.");
        }
        // A receiver hears of its drops only with its next datagram; the namespace's counter knows them at once.
        return f.ReceiverPlace?.UdpReceiveBufferErrors is > 0 and var errors
            ? string.Create(CultureInfo.InvariantCulture, $"the kernel counted {errors} UDP receive-buffer errors where the receiver is (/proc/net/snmp RcvbufErrors){buffer}.")
            : null;
    }

    private static string Names(IReadOnlyList<string> interfaces) => interfaces.Count == 0 ? "no interface" : string.Join(", ", interfaces);
}
