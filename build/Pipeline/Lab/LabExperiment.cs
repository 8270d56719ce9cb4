using System.Globalization;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab;

/// <summary>The programs the experiment runs: two senders, two receivers.</summary>
public enum FlowTool
{
    /// <summary>iperf 2's client (`iperf -c G -u …`), the walkthrough's sender.</summary>
    IperfClient,

    /// <summary>`mcast send`.</summary>
    McastSend,

    /// <summary>`mcast recv --format json` (interval, summary and end events).</summary>
    McastRecv,

    /// <summary>iperf 2's server (`iperf -s -u -B G%IF`), the walkthrough's receiver.</summary>
    IperfServer,
}

/// <summary>How a sender picks its outgoing interface, the ways applications do.</summary>
public enum SourceChoice
{
    /// <summary>Names nothing: the kernel's route to the group decides.</summary>
    Route,

    /// <summary>Names the interface (`--interface eth1`).</summary>
    Interface,

    /// <summary>Binds its own address on the segment (`--bind ADDR`, iperf's `-B ADDR`).</summary>
    Bind,
}

/// <summary>What a receiver must see of a flow.</summary>
public enum Expectation
{
    /// <summary>Every datagram the sender sent, none lost.</summary>
    Everything,

    /// <summary>Nothing at all (the negative control).</summary>
    Nothing,

    /// <summary>Nothing, and that is a known limitation the README explains, not a property we want.</summary>
    NothingByLimitation,
}

/// <summary>Directions of the report contract (report.json's check.direction).</summary>
public static class FlowDirection
{
    public const string OutsideToPod = "outside-to-pod";
    public const string PodToOutside = "pod-to-outside";
    public const string PodToPodSameNode = "pod-to-pod-same-node";
    public const string PodToPodCrossNode = "pod-to-pod-cross-node";
    public const string NodeFromOwnPod = "node-from-own-pod";
}

/// <summary>A pod of the experiment: on which node, and whether it asks for the attachment (the control pod does not).</summary>
public sealed record LabPod(string Node, string Name, bool Attached)
{
    /// <summary>"node/name", the pod's place in flows and check names.</summary>
    public string Key => $"{Node}/{Name}";
}

/// <summary>Who sends a flow: a host or a pod (by key), with which tool, choosing its interface how.</summary>
public sealed record FlowSender(string Place, FlowTool Tool, SourceChoice Source);

/// <summary>One receiver of a flow and the check it becomes.</summary>
/// <param name="Check">The check's name in report.json.</param>
/// <param name="Direction">One of <see cref="FlowDirection"/>.</param>
/// <param name="Place">A host name or a pod key.</param>
/// <param name="Interface">Where it joins; null names no interface (the kernel's route decides).</param>
public sealed record FlowReceiver(string Check, string Direction, string Place, FlowTool Tool, string? Interface, Expectation Expect);

/// <summary>One multicast stream: a sender, its port (flows on different ports run at the same time), its receivers.</summary>
public sealed record TrafficFlow(string Name, int Port, FlowSender Sender, IReadOnlyList<FlowReceiver> Receivers);

/// <summary>
/// The lab's experiment, the same for every backend: hosts, nodes, pods and their attachments, the flows
/// with the expected outcome of each receiver. A backend realizes the places and runs the programs;
/// <see cref="FlowVerdict"/> judges their output.
/// </summary>
public sealed record LabExperiment(IReadOnlyList<string> Nodes, IReadOnlyList<LabPod> Pods, IReadOnlyList<TrafficFlow> Flows)
{
    public const string SourceHost = LabSettings.SourceHost;

    /// <summary>The pod that sends the pod-side flows (and receives with no interface named).</summary>
    public const string SenderPod = "sender";

    /// <summary>The pod with only the cluster network (eth0): the negative control.</summary>
    public const string ControlPod = "control";

    public const string NegativeControl = "negative-control";

    public IEnumerable<LabPod> ReceiverPods => Pods.Where(p => p.Name.StartsWith("pod-", StringComparison.Ordinal));

    public static LabExperiment Plan(LabSettings lab)
    {
        var nodes = lab.NodeNames;
        var first = nodes[0];
        var receivers = nodes.SelectMany(n => Enumerable.Range(1, lab.Pods).Select(j => new LabPod(n, $"pod-{j}", true))).ToList();
        var sender = new LabPod(first, SenderPod, true);
        var control = new LabPod(first, ControlPod, false);
        var segment = lab.Interface;
        var port = lab.Port;

        // Outside → pods: the walkthrough's iperf on mcastsrc, `mcast recv` on eth1 in every pod, one naming no
        // interface, and the control joined on its cluster network during the same send.
        var outside = new TrafficFlow("outside-to-pods", port, new FlowSender(SourceHost, FlowTool.IperfClient, SourceChoice.Bind),
        [
            .. receivers.Select(p => new FlowReceiver(p.Key, FlowDirection.OutsideToPod, p.Key, FlowTool.McastRecv, segment, Expectation.Everything)),
            new FlowReceiver($"{sender.Key}/no-interface", FlowDirection.OutsideToPod, sender.Key, FlowTool.McastRecv, null, Expectation.Everything),
            new FlowReceiver(NegativeControl, FlowDirection.OutsideToPod, control.Key, FlowTool.McastRecv, "eth0", Expectation.Nothing),
        ]);

        // The walkthrough's own receiver pod: iperf 2's server bound to the group on eth1, fed by `mcast send`.
        var iperfPod = receivers.Last(p => p.Node == nodes[^1]);
        var toIperf = new TrafficFlow("outside-to-iperf", port + 1, new FlowSender(SourceHost, FlowTool.McastSend, SourceChoice.Bind),
            [new FlowReceiver($"{iperfPod.Key}/iperf", FlowDirection.OutsideToPod, iperfPod.Key, FlowTool.IperfServer, segment, Expectation.Everything)]);

        // Pod → outside, by route: mcastsrc hears it; so do the pods on this node and on the others; the
        // node itself cannot (a macvlan parent never receives what its children send).
        var sameNode = receivers.FirstOrDefault(p => p.Node == first);
        var otherNodes = nodes.Skip(1).Select(n => receivers.First(p => p.Node == n));
        var byRoute = new TrafficFlow("pod-by-route", port + 2, new FlowSender(sender.Key, FlowTool.McastSend, SourceChoice.Route),
        [
            new FlowReceiver($"{SourceHost}/from-pod-by-route", FlowDirection.PodToOutside, SourceHost, FlowTool.McastRecv, segment, Expectation.Everything),
            .. sameNode is null ? [] : new[] { new FlowReceiver($"{sameNode.Key}/from-{sender.Name}", FlowDirection.PodToPodSameNode, sameNode.Key, FlowTool.McastRecv, segment, Expectation.Everything) },
            .. otherNodes.Select(p => new FlowReceiver($"{p.Key}/from-{sender.Key}", FlowDirection.PodToPodCrossNode, p.Key, FlowTool.McastRecv, segment, Expectation.Everything)),
            new FlowReceiver($"{first}/from-own-pod", FlowDirection.NodeFromOwnPod, first, FlowTool.McastRecv, segment, Expectation.NothingByLimitation),
        ]);

        // Pod → outside, the other ways applications pick their interface: every one must deliver.
        TrafficFlow PodWay(string name, int offset, FlowTool tool, SourceChoice how) =>
            new(name, port + offset, new FlowSender(sender.Key, tool, how),
                [new FlowReceiver($"{SourceHost}/from-{name}", FlowDirection.PodToOutside, SourceHost, FlowTool.McastRecv, segment, Expectation.Everything)]);

        return new LabExperiment(nodes, [.. receivers, sender, control],
        [
            outside, toIperf, byRoute,
            PodWay("pod-interface", 3, FlowTool.McastSend, SourceChoice.Interface),
            PodWay("pod-bind", 4, FlowTool.McastSend, SourceChoice.Bind),
            PodWay("pod-iperf-bind", 5, FlowTool.IperfClient, SourceChoice.Bind),
        ]);
    }

    /// <summary>Image of a tool: iperf's image for iperf, the mcast image for mcast.</summary>
    public static string ImageOf(FlowTool tool, string mcastImage, string iperfImage) =>
        tool is FlowTool.IperfClient or FlowTool.IperfServer ? iperfImage : mcastImage;

    /// <summary>The sender's arguments (the image's entrypoint runs them); <paramref name="address"/> is its own address on the segment.</summary>
    public static IReadOnlyList<string> SenderArguments(FlowSender sender, int port, LabSettings lab, string address)
    {
        string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
        var group = lab.Group.ToString();
        return sender.Tool switch
        {
            FlowTool.IperfClient =>
            [
                "-c", group, "-u", "--ttl", Text(lab.Ttl), "-t", Text(lab.DurationSeconds), "-b", lab.Rate, "-p", Text(port),
                .. sender.Source == SourceChoice.Bind ? new[] { "-B", address } : [],
            ],
            FlowTool.McastSend =>
            [
                "send", "--group", group, "--port", Text(port), "--ttl", Text(lab.Ttl), "--rate", lab.Rate, "--duration", Text(lab.DurationSeconds),
                .. sender.Source switch
                {
                    SourceChoice.Bind => new[] { "--bind", address },
                    SourceChoice.Interface => ["--interface", lab.Interface],
                    _ => [],
                },
            ],
            _ => throw new ArgumentException($"{sender.Tool} is not a sender.", nameof(sender)),
        };
    }

    /// <summary>The receiver's arguments: it stops by itself on the end-of-test datagram, or when asked (SIGINT).</summary>
    public static IReadOnlyList<string> ReceiverArguments(FlowReceiver receiver, int port, LabSettings lab, long minimum)
    {
        string Text(long n) => n.ToString(CultureInfo.InvariantCulture);
        var group = lab.Group.ToString();
        return receiver.Tool switch
        {
            FlowTool.McastRecv =>
            [
                "recv", "--group", group, "--port", Text(port), "--format", "json", "--interval", "1", "--duration", Text(lab.DurationSeconds + 60),
                .. receiver.Interface is null ? [] : new[] { "--interface", receiver.Interface },
                .. receiver.Expect == Expectation.Everything ? new[] { "--expect-packets", Text(minimum), "--max-loss", "0" } : [],
            ],
            FlowTool.IperfServer => ["-s", "-u", "-B", receiver.Interface is null ? group : $"{group}%{receiver.Interface}", "-i", "1", "-p", Text(port)],
            _ => throw new ArgumentException($"{receiver.Tool} is not a receiver.", nameof(receiver)),
        };
    }
}
