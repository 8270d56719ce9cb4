namespace McastLab.Pipeline.Lab;

/// <summary>
/// What a backend could see of the host side once the flows ended and before its cleanup: the L2 switch (when the
/// segment is one) and every place (host or pod). Observed, never judged: Lab/Diagnosis reads it to name causes.
/// </summary>
public sealed record HostSideEvidence(SegmentEvidence? Switch, IReadOnlyList<PlaceEvidence> Places)
{
    /// <summary>The place's evidence by its name (a host such as "mcastsrc", or a pod key such as "k8s/pod-1").</summary>
    public PlaceEvidence? Place(string place) => Places.FirstOrDefault(p => p.Place == place);
}

/// <summary>
/// The L2 switch as the backend saw it (`ip -d link`, `bridge link`, `bridge mdb`): whether it snoops IGMP,
/// whether its own querier is on, its timers (centiseconds, as the kernel takes them), the ports that do not
/// flood unregistered groups, the ports the groups' entries (mdb) hold, and which port each host is on.
/// </summary>
public sealed record SegmentEvidence(
    bool Snooping,
    bool Querier,
    long? MembershipIntervalCs,
    long? QueryIntervalCs,
    IReadOnlyList<string> PortsNotFlooding,
    IReadOnlyList<string> GroupPorts,
    IReadOnlyDictionary<string, string> PortOfHost);

/// <summary>
/// One place (a host or a pod) as the backend saw it: its firewall rules that drop IGMP or UDP (iptables-save),
/// the macvlan mode of its segment interface, the interface its route to the group leaves by, the interface its
/// route back to each sender's address leaves by (what rp_filter checks), rp_filter as the kernel applies it on
/// the segment's interface (the larger of all and the interface), and its UDP receive-buffer errors (/proc/net/snmp).
/// </summary>
public sealed record PlaceEvidence(string Place, string Node, IReadOnlyList<string> DropRules, string? MacvlanMode, IReadOnlyDictionary<string, string> ReverseRouteInterface)
{
    public string? GroupRouteInterface { get; init; }

    public long? RpFilter { get; init; }

    public long? UdpReceiveBufferErrors { get; init; }
}
