namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// The causes in the order they are tried: the sender's choice first (nothing can arrive if it leaves the
/// wrong way), then the receiver's join, the hosts' filters, the switch, and what happens on the way.
/// The first cause whose evidence is there names the failure. Each rule is in <see cref="CauseEvidence"/>.
/// </summary>
public static class CauseCatalog
{
    public static IReadOnlyList<Cause> All { get; } =
    [
        new("no-route", "no route to the group on the intended interface",
            "give the attachment a route for 224.0.0.0/4 (the NetworkAttachmentDefinition's ipam \"routes\": [{\"dst\": \"224.0.0.0/4\"}]), or name the interface (mcast --interface eth1, iperf -B G%eth1)",
            CauseEvidence.NoRouteToGroup),
        new("sender-wrong-interface", "sender on the wrong interface",
            "make the sender leave by the segment: name it (mcast send --interface eth1, iperf -c G -B ADDR with the segment's address), or fix the route or policy rule that sends the group elsewhere (ip route get G; ip rule)",
            CauseEvidence.SenderWrongInterface),
        new("receiver-wrong-interface", "receiver joined on the wrong interface",
            "join on the segment's interface: mcast recv --interface eth1 (or G%eth1), iperf -s -B G%eth1; a join by route follows the route for the group (ip route get G)",
            CauseEvidence.ReceiverWrongInterface),
        new("source-not-allowed", "source not allowed (source-specific join)",
            "join with the sender's address as the source (mcast recv --source S), or join any-source",
            CauseEvidence.SourceNotAllowed),
        new("macvlan-isolation", "macvlan parent or sibling isolation",
            "use macvlan mode bridge in the NetworkAttachmentDefinition so pods of one node hear each other; for the node itself, receive on a macvlan child of the parent (ip link add mv0 link eth1 type macvlan mode bridge), not on the parent",
            CauseEvidence.MacvlanIsolation),
        new("rp-filter", "rp_filter drops the stream",
            "set loose or no reverse-path filtering where the receiver is (sysctl net.ipv4.conf.all.rp_filter=2 and net.ipv4.conf.eth1.rp_filter=2), or route the source's subnet through the segment's interface",
            CauseEvidence.ReversePathFilter),
        new("igmp-blocked", "IGMP reports blocked",
            "let IGMP out (iptables -D OUTPUT -p igmp -j DROP, or allow protocol 2 in the node's and pods' firewall / NetworkPolicy)",
            CauseEvidence.IgmpReportsBlocked),
        new("no-querier", "no querier on a snooping segment",
            "turn on a querier on the segment (ip link set BRIDGE type bridge mcast_querier 1, or the switch's IGMP querier), or let the switch flood unregistered groups (bridge link set dev PORT mcast_flood on)",
            CauseEvidence.NoQuerier),
        new("membership-expired", "membership expired",
            "keep the membership interval above robustness × query interval + query response interval (mcast_membership_interval, mcast_query_interval on a Linux bridge), and make sure queries reach the receivers and their reports reach the switch",
            CauseEvidence.MembershipExpired),
        new("ttl-too-small", "TTL too small for the path",
            "raise the sender's TTL above the number of routers on the path (mcast send --ttl N, iperf -c G --ttl N; the received TTL tells the hops: sent − received)",
            CauseEvidence.TtlTooSmall),
        new("socket-buffer-too-small", "socket buffer too small (kernel drops)",
            "raise net.core.rmem_max on the node (sysctl -w net.core.rmem_max=16777216; it is not namespaced, so set it on the node), or run the receiver with CAP_NET_ADMIN as root so SO_RCVBUFFORCE gets its buffer; a receiver that asks for less (mcast recv --rcvbuf) should ask for more",
            CauseEvidence.SocketBufferTooSmall),
    ];

    /// <summary>The failed check with the diagnosis of the first cause that fits, or unchanged when none does.</summary>
    public static LabCheck Diagnose(FailedReceiver failed)
    {
        foreach (var cause in All)
        {
            if (cause.Evidence(failed) is { } evidence)
            {
                return failed.Check with { Diagnosis = new CheckDiagnosis(cause.Id, cause.Title, evidence, cause.Fix) };
            }
        }
        return failed.Check;
    }
}
