using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Parameters;

public enum LabBackend
{
    Local,
    Vagrant,
    Cluster,
}

/// <summary>
/// The lab's knobs (section "lab" of mcastlab.json): the walkthrough's L2 segment, hosts, IPAM range,
/// multicast group and the size of the experiment. Checked together, so a bad combination stops here.
/// </summary>
public sealed partial record LabSettings
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("lab-backend", "lab", "Where Lab runs: local (network namespaces, no VMs), cluster (your Kubernetes with Multus, by --kubeconfig) or vagrant (the two-VM cluster)."),
        new("group", "lab", "Multicast group the sender sends to and the pods join."),
        new("port", "lab", "UDP port of the multicast stream."),
        new("ttl", "lab", "Multicast TTL the sender sets (the walkthrough uses 5)."),
        new("subnet", "lab", "The L2 segment shared by the hosts and the pods' macvlan interfaces."),
        new("k8s-address", "lab", "Address of the k8s node on the segment."),
        new("mcastsrc-address", "lab", "Address of the multicast source host on the segment."),
        new("range-start", "lab", "First address host-local IPAM gives to pods."),
        new("range-end", "lab", "Last address host-local IPAM gives to pods."),
        new("interface", "lab", "Name of the segment's interface on the hosts and in the pods."),
        new("network-name", "lab", "Name of the NetworkAttachmentDefinition the pods ask for."),
        new("duration", "lab", "Seconds each lab sender sends."),
        new("rate", "lab", "Send rate of the lab's senders (iperf units: 1M = 1,048,576 bit/s; or 500pps).") { Form = ParameterForm.IperfRate },
        new("pods", "lab", "Receiver pods per node in the lab."),
        new("nodes", "lab", "Nodes in the lab (the local backend joins them with a bridge as the L2 switch)."),
        new("segment", "lab", "The local lab's L2 segment: flood (the walkthrough's), snooping (a bridge that snoops IGMP, does not flood unregistered groups, with a querier) or snooping-no-querier.") { Form = LabFaultForms.Form<LabSegment>("snooping") },
        new("fault", "lab", "Breaks the local lab in one real way, to see the diagnosis name it (docs/troubleshooting.md): none, or a cause id such as rp-filter.") { Form = LabFaultForms.Form<LabFault>("igmp-blocked") },
        new("soak", "lab", "Seconds the flows run instead of --duration, past the switch's membership interval; 0 for no soak (adds the check delivery-held)."),
    ];

    public required LabBackend Backend { get; init; }
    public required IPAddress Group { get; init; }
    public required int Port { get; init; }
    public required int Ttl { get; init; }
    public required IPNetwork Subnet { get; init; }
    public required IPAddress K8sAddress { get; init; }
    public required IPAddress McastsrcAddress { get; init; }
    public required IPAddress RangeStart { get; init; }
    public required IPAddress RangeEnd { get; init; }
    public required string Interface { get; init; }
    public required string NetworkName { get; init; }
    public required int DurationSeconds { get; init; }
    public required string Rate { get; init; }
    public required int Pods { get; init; }
    public required int Nodes { get; init; }
    public LabSegment Segment { get; init; } = LabSegment.Flood;
    public LabFault Fault { get; init; } = LabFault.None;

    /// <summary>A soak's length (0: none); a soak's flows run this long, <see cref="DurationSeconds"/> is then the same.</summary>
    public int SoakSeconds { get; init; }

    /// <summary>The lab's node names in order: k8s, k8s-2, ... (every backend and the per-node manifests use these).</summary>
    public IReadOnlyList<string> NodeNames => [.. Enumerable.Range(1, Nodes).Select(i => i == 1 ? "k8s" : $"k8s-{i}")];

    /// <summary>The multicast source host outside the cluster, as the walkthrough names it.</summary>
    public const string SourceHost = "mcastsrc";

    /// <summary>A backend's name as --lab-backend and the report spell it: local, vagrant, cluster.</summary>
    public static string BackendName(LabBackend backend) => backend.ToString().ToLowerInvariant();

    public static LabSettings From(ResolvedParameters p)
    {
        var settings = new LabSettings
        {
            Backend = p.Choice<LabBackend>("lab-backend"),
            Group = p.Address("group"),
            Port = p.Number("port", 1, 65535),
            Ttl = p.Number("ttl", 0, 255),
            Subnet = p.Network("subnet"),
            K8sAddress = p.Address("k8s-address", AddressFamily.InterNetwork),
            McastsrcAddress = p.Address("mcastsrc-address", AddressFamily.InterNetwork),
            RangeStart = p.Address("range-start", AddressFamily.InterNetwork),
            RangeEnd = p.Address("range-end", AddressFamily.InterNetwork),
            Interface = p.Text("interface"),
            NetworkName = p.Text("network-name"),
            DurationSeconds = p.Number("duration", 1, 3600),
            Rate = p.Text("rate"),
            Pods = p.Number("pods", 1, 64),
            Nodes = p.Number("nodes", 1, 16),
            Segment = LabFaultForms.Parse<LabSegment>(p.Text("segment")),
            Fault = LabFaultForms.Parse<LabFault>(p.Text("fault")),
            SoakSeconds = p.Number("soak", 0, 3600),
        };
        // A soak runs the flows for its length instead of --duration (docs/troubleshooting.md).
        if (settings.SoakSeconds > 0) settings = settings with { DurationSeconds = settings.SoakSeconds };
        settings.Validate(p);
        return settings;
    }

    private void Validate(ResolvedParameters p)
    {
        // The lab segment and its IPAM are IPv4, as in the walkthrough; mcast itself also takes IPv6 groups.
        if (Group.AddressFamily != AddressFamily.InterNetwork || !IsMulticast(Group)) throw p.Invalid("group", "an IPv4 multicast address (224.0.0.0/4) such as 224.0.67.67");
        if (Subnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork) throw p.Invalid("subnet", "an IPv4 network such as 10.0.0.0/24");
        // IPNetwork quietly clears host bits (10.0.0.5/24 parses as 10.0.0.0/24): ask for what will be used.
        if (Subnet.ToString() != p.Text("subnet")) throw p.Invalid("subnet", $"a network address without host bits, such as {Subnet}");
        foreach (var name in new[] { "k8s-address", "mcastsrc-address", "range-start", "range-end" })
        {
            if (!Subnet.Contains(p.Address(name))) throw p.Invalid(name, $"an address inside the subnet {Subnet}");
        }
        if (Ipv4Number.Compare(RangeStart, RangeEnd) > 0) throw p.Invalid("range-end", $"an address at or after --range-start {RangeStart}");
        // host-local hands out every address of the range: the subnet's network and broadcast addresses must stay out.
        if (Subnet.PrefixLength < 31)
        {
            if (RangeStart.Equals(Subnet.BaseAddress)) throw p.Invalid("range-start", $"a host address, not the network address of {Subnet}");
            if (RangeEnd.Equals(Ipv4Number.Broadcast(Subnet).ToAddress())) throw p.Invalid("range-end", $"a host address, not the broadcast address of {Subnet}");
        }
        foreach (var name in new[] { "k8s-address", "mcastsrc-address" })
        {
            var host = p.Address(name);
            if (InPodRange(host))
                throw p.Invalid(name, $"outside the pods' IPAM range {RangeStart}-{RangeEnd}");
        }
        if (K8sAddress.Equals(McastsrcAddress)) throw p.Invalid("mcastsrc-address", "different from --k8s-address");
        // Faults, switch segments and soaks are the local backend's: it owns the kernel state they change.
        if (Backend != LabBackend.Local && Fault != LabFault.None) throw p.Invalid("fault", "none unless --lab-backend=local (faults are injected into the local lab)");
        if (Backend != LabBackend.Local && Segment != LabSegment.Flood) throw p.Invalid("segment", "flood unless --lab-backend=local (the local lab builds the switch)");
        if (Backend != LabBackend.Local && SoakSeconds != 0) throw p.Invalid("soak", "0 unless --lab-backend=local");
        // The IGMP faults only show on a switch that snoops: on a flooding segment nothing would break.
        if (Fault is LabFault.IgmpBlocked or LabFault.MembershipExpired or LabFault.NoQuerier && Segment != LabSegment.Snooping)
            throw p.Invalid("fault", $"one the segment can show: {LabFaultForms.Written(Fault)} needs --segment=snooping");
        if (!InterfaceName().IsMatch(Interface)) throw p.Invalid("interface", "a Linux interface name (1-15 letters, digits, '-', '_' or '.')");
        if (!DnsLabel().IsMatch(NetworkName)) throw p.Invalid("network-name", "a Kubernetes name (lower-case letters, digits and '-', at most 63)");
        // Checked here, not when the lab starts: a rate the lab cannot use stops the build before anything is built.
        if (LabTraffic.NominalDatagrams(Rate, DurationSeconds) < 1)
            throw p.Invalid("rate", $"a rate that sends at least one {LabTraffic.PayloadBytes}-byte datagram in --duration {DurationSeconds} s");
        if (RangeSize() < Pods * Nodes) throw p.Invalid("pods", $"at most the {RangeSize()} addresses of the IPAM range across {Nodes} node(s)");
    }

    public static bool IsMulticast(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => (address.GetAddressBytes()[0] & 0xF0) == 0xE0,
        AddressFamily.InterNetworkV6 => address.IsIPv6Multicast,
        _ => false,
    };

    /// <summary>The one range check (IPAM ranges are inclusive at both ends), for validation and for what pods got.</summary>
    public static bool IsBetween(IPAddress address, IPAddress first, IPAddress last) =>
        Ipv4Number.Compare(address, first) >= 0 && Ipv4Number.Compare(address, last) <= 0;

    public bool InPodRange(IPAddress address) => IsBetween(address, RangeStart, RangeEnd);

    public long RangeSize() => Ipv4Number.Count(RangeStart, RangeEnd);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,15}$")]
    private static partial Regex InterfaceName();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
