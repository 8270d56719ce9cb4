using System.Net;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// The multi-node answer for host-local IPAM. host-local keeps its leases on each node, so one range given to
/// every node hands out the same addresses on every node of the segment. With --nodes above 1 the generator
/// splits the range into one slice per node and writes each node's CNI configuration to
/// nodes/NODE/NAME.conf, to be placed in /etc/cni/multus/net.d on that node; the NetworkAttachmentDefinition
/// then carries no spec.config, and Multus reads the node's file by the network's name.
/// </summary>
public static class NodeNetworkFiles
{
    public const string Directory = "nodes";

    public static string FileName(string networkName) => $"{networkName}.conf";

    /// <summary>The range of each node (k8s, k8s-2, …): consecutive, equal slices of range-start..range-end.</summary>
    public static IReadOnlyList<(string Node, IPAddress Start, IPAddress End)> Slices(LabSettings lab, IReadOnlyList<string> nodes)
    {
        var start = Ipv4Number.Of(lab.RangeStart);
        var size = lab.RangeSize() / nodes.Count;
        return [.. nodes.Select((node, i) => (node, (start + i * size).ToAddress(), (start + ((i + 1) * size - 1)).ToAddress()))];
    }
}
