using System.Net;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>One attachment of the run: its NetworkAttachmentDefinition's name and the slice of the range it hands out.</summary>
public sealed record ClusterAttachment(string Name, IPAddress RangeStart, IPAddress RangeEnd);

/// <summary>
/// The lab's experiment (<see cref="LabExperiment"/>, planned from the nodes the API lists) mapped to a cluster's
/// attachments.
/// <para>
/// Addresses, the lab's multi-node answer made for a cluster whose nodes we cannot write files on: host-local
/// keeps its leases per node, so every node gets its own NetworkAttachmentDefinition carrying its own slice of
/// the range (NAME-1, NAME-2, … in node order), and each pod names its node's one in its annotation. The
/// sender has its own one-address attachment, so iperf can bind (-B) an address known before it starts: on
/// your cluster the segment's sender address (--mcastsrc-address: no mcastsrc exists there); on the two-VM lab,
/// where mcastsrc holds that address, the last address of the range, kept out of the nodes' slices.
/// </para>
/// </summary>
public sealed record ClusterPlan(LabExperiment Experiment, IReadOnlyDictionary<string, ClusterAttachment> NodeAttachments,
    ClusterAttachment SenderAttachment, IPAddress SenderAddress)
{
    public static ClusterPlan Create(LabSettings lab, LabExperiment experiment, bool outsideSender)
    {
        var nodes = experiment.Nodes;
        var senderAddress = outsideSender ? lab.RangeEnd : lab.McastsrcAddress;
        var podRange = outsideSender ? lab with { RangeEnd = (Ipv4Number.Of(lab.RangeEnd) - 1).ToAddress() } : lab;
        if (podRange.RangeSize() < nodes.Count)
        {
            throw new PipelineException($"The IPAM range {lab.RangeStart}-{podRange.RangeEnd} has {podRange.RangeSize()} address(es) for {nodes.Count} nodes; widen --range-start/--range-end or narrow --node-selector.");
        }
        var attachments = NodeNetworkFiles.Slices(podRange, nodes)
            .Select((slice, i) => (slice.Node, Attachment: new ClusterAttachment($"{lab.NetworkName}-{i + 1}", slice.Start, slice.End)))
            .ToDictionary(s => s.Node, s => s.Attachment);
        var sender = new ClusterAttachment($"{lab.NetworkName}-sender", senderAddress, senderAddress);
        return new ClusterPlan(experiment, attachments, sender, senderAddress);
    }

    /// <summary>The attachment a pod asks for: the sender's own, else its node's.</summary>
    public ClusterAttachment AttachmentOf(LabPod pod) => pod.Name == LabExperiment.SenderPod ? SenderAttachment : NodeAttachments[pod.Node];

    public IEnumerable<ClusterAttachment> Attachments => NodeAttachments.Values.Append(SenderAttachment);

    /// <summary>A node's place in the plan's node order (0 for the first).</summary>
    public int NodeIndex(string node)
    {
        for (var i = 0; i < Experiment.Nodes.Count; i++)
        {
            if (Experiment.Nodes[i] == node) return i;
        }
        throw new ArgumentException($"{node} is not a node of the plan.", nameof(node));
    }

    /// <summary>The pod a place (a pod key) stands for; null for a host.</summary>
    public LabPod? PodAt(string place) => Experiment.Pods.FirstOrDefault(p => p.Key == place);

    /// <summary>
    /// The receiving container of a pod for one flow: flows run on their own ports, one container each;
    /// iperf's server (which never ends by itself) is told apart by its name.
    /// </summary>
    public static string ContainerName(TrafficFlow flow, FlowReceiver receiver) =>
        receiver.Tool == FlowTool.IperfServer ? $"{IperfContainerPrefix}{flow.Port}" : $"recv-{flow.Port}";

    public const string IperfContainerPrefix = "iperf-";
}
