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

    /// <summary>The negative control: a pod listening on its cluster network (eth0), where the group must not arrive.</summary>
    public const string ClusterNetwork = "cluster-network";
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

/// <summary>A check the experiment plans, in report order: its name and, for a receiver, its direction.</summary>
public sealed record PlannedCheck(string Name, string? Direction);

/// <summary>
/// The lab's experiment, the same for every backend, planned from the topology the backend reports: nodes,
/// pods and their attachments, the flows with the expected outcome of each receiver, and the checks that are
/// not about traffic (attachments, addresses, cleanup). <see cref="Flows"/> holds only what the backend can run;
/// every other planned check is in <see cref="NotRun"/> with the reason. A backend realizes the places and runs
/// the programs; <see cref="ExperimentVerdict"/> judges what it observed.
/// </summary>
public sealed record LabExperiment(IReadOnlyList<string> Nodes, IReadOnlyList<LabPod> Pods, IReadOnlyList<TrafficFlow> Flows,
    IReadOnlyList<PlannedCheck> Checks, IReadOnlyDictionary<string, string> NotRun)
{
    public const string SourceHost = LabSettings.SourceHost;

    /// <summary>The pod that sends the pod-side flows (and receives with no interface named).</summary>
    public const string SenderPod = "sender";

    /// <summary>The pod with only the cluster network (eth0): the negative control.</summary>
    public const string ControlPod = "control";

    public const string NegativeControl = "negative-control";

    /// <summary>Every pod got its interfaces, with addresses from its attachment's range, and its plugins reported no problem.</summary>
    public const string AttachmentsCheck = "cni-attachments";

    /// <summary>Every address on the segment has one owner.</summary>
    public const string AddressesCheck = "segment-addresses";

    /// <summary>Nothing of the run is left after it.</summary>
    public const string CleanupCheck = "cleanup";

    /// <summary>The check a backend's failed setup becomes (not planned: it appears only when setup failed).</summary>
    public const string SetupCheck = "lab-setup";

    public IEnumerable<LabPod> ReceiverPods => Pods.Where(p => p.Name.StartsWith("pod-", StringComparison.Ordinal));

    /// <summary>The flow and receiver of a traffic check; null for the other checks.</summary>
    public (TrafficFlow Flow, FlowReceiver Receiver)? ReceiverOf(string check)
    {
        foreach (var flow in Flows)
        {
            foreach (var receiver in flow.Receivers)
            {
                if (receiver.Check == check) return (flow, receiver);
            }
        }
        return null;
    }

    public static LabExperiment Plan(LabSettings lab, BackendTopology topology)
    {
        var nodes = topology.Nodes;
        if (nodes.Count == 0) throw new ArgumentException("An experiment needs at least one node.", nameof(topology));
        var first = nodes[0];
        // Pod names are unique in the run (pod-1, pod-2, … across the nodes), as in one Kubernetes namespace.
        var perNode = Math.Max(1, topology.PodsPerNode);
        var receivers = nodes.SelectMany((n, i) => Enumerable.Range(1, perNode).Select(j => new LabPod(n, $"pod-{i * perNode + j}", true))).ToList();
        var sender = new LabPod(first, SenderPod, true);
        var control = new LabPod(first, ControlPod, false);
        var segment = lab.Interface;
        var port = lab.Port;
        // The pod farthest from the sender: the last node's last pod (on one node, still another pod than the sender).
        var far = receivers.Last(p => p.Node == nodes[^1]);
        var farDirection = far.Node == first ? FlowDirection.PodToPodSameNode : FlowDirection.PodToPodCrossNode;

        // Outside → pods: the walkthrough's iperf on mcastsrc, `mcast recv` on eth1 in every pod, and one naming no interface.
        var outside = new TrafficFlow("outside-to-pods", port, new FlowSender(SourceHost, FlowTool.IperfClient, SourceChoice.Bind),
        [
            .. receivers.Select(p => new FlowReceiver(p.Key, FlowDirection.OutsideToPod, p.Key, FlowTool.McastRecv, segment, Expectation.Everything)),
            new FlowReceiver($"{sender.Key}/no-interface", FlowDirection.OutsideToPod, sender.Key, FlowTool.McastRecv, null, Expectation.Everything),
        ]);

        // Pod → outside, by route: mcastsrc hears it; so do the pods on this node and on the others; the node
        // itself cannot (a macvlan parent never receives what its children send); and the control, joined on
        // its cluster network beside the sender, must hear nothing.
        var sameNode = receivers.FirstOrDefault(p => p.Node == first);
        var otherNodes = nodes.Skip(1).Select(n => receivers.First(p => p.Node == n));
        var byRoute = new TrafficFlow("pod-by-route", port + 1, new FlowSender(sender.Key, FlowTool.McastSend, SourceChoice.Route),
        [
            new FlowReceiver($"{SourceHost}/from-pod-by-route", FlowDirection.PodToOutside, SourceHost, FlowTool.McastRecv, segment, Expectation.Everything),
            .. sameNode is null ? [] : new[] { new FlowReceiver($"{sameNode.Key}/from-{sender.Name}", FlowDirection.PodToPodSameNode, sameNode.Key, FlowTool.McastRecv, segment, Expectation.Everything) },
            .. otherNodes.Select(p => new FlowReceiver($"{p.Key}/from-{sender.Key}", FlowDirection.PodToPodCrossNode, p.Key, FlowTool.McastRecv, segment, Expectation.Everything)),
            new FlowReceiver($"{first}/from-own-pod", FlowDirection.NodeFromOwnPod, first, FlowTool.McastRecv, segment, Expectation.NothingByLimitation),
            new FlowReceiver(NegativeControl, FlowDirection.ClusterNetwork, control.Key, FlowTool.McastRecv, "eth0", Expectation.Nothing),
        ]);

        // Pod → outside, the other ways applications pick their interface: each must deliver to mcastsrc and to
        // the farthest pod (so a lab without mcastsrc still proves every way). The walkthrough's own receiver,
        // iperf 2's server bound to the group on eth1, is the farthest pod's receiver of `mcast send --bind`.
        TrafficFlow PodWay(string name, int offset, FlowTool tool, SourceChoice how, FlowReceiver podReceiver) =>
            new(name, port + offset, new FlowSender(sender.Key, tool, how),
                [new FlowReceiver($"{SourceHost}/from-{name}", FlowDirection.PodToOutside, SourceHost, FlowTool.McastRecv, segment, Expectation.Everything), podReceiver]);
        FlowReceiver FarMcast(string name) => new($"{far.Key}/from-{name}", farDirection, far.Key, FlowTool.McastRecv, segment, Expectation.Everything);

        List<TrafficFlow> flows =
        [
            outside, byRoute,
            PodWay("pod-interface", 2, FlowTool.McastSend, SourceChoice.Interface, FarMcast("pod-interface")),
            PodWay("pod-bind", 3, FlowTool.McastSend, SourceChoice.Bind,
                new FlowReceiver($"{far.Key}/iperf", farDirection, far.Key, FlowTool.IperfServer, segment, Expectation.Everything)),
            PodWay("pod-iperf-bind", 4, FlowTool.IperfClient, SourceChoice.Bind, FarMcast("pod-iperf-bind")),
        ];

        // What this topology cannot run: said per check, never left out.
        var notRun = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Lacking(LabAbility ability) => topology.Lacks.TryGetValue(ability, out var why) ? why : null;
        string? CannotRun(TrafficFlow flow, FlowReceiver r) =>
            (flow.Sender.Place == SourceHost || r.Place == SourceHost) && !topology.OutsideHost ? BackendTopology.NoOutsideHost
            : r.Place == SourceHost ? Lacking(LabAbility.OutsideReceiver)
            : nodes.Contains(r.Place) ? Lacking(LabAbility.NodeReceiver)
            : r.Place == sender.Key ? Lacking(LabAbility.SenderPodReceiver)
            : r.Tool == FlowTool.IperfServer ? Lacking(LabAbility.IperfServerReceiver)
            : null;
        var runnable = new List<TrafficFlow>();
        foreach (var flow in flows)
        {
            var kept = new List<FlowReceiver>();
            foreach (var r in flow.Receivers)
            {
                if (CannotRun(flow, r) is { } why) notRun[r.Check] = why;
                else kept.Add(r);
            }
            if (kept.Count > 0) runnable.Add(flow with { Receivers = kept });
        }
        if (Lacking(LabAbility.CleanupObservation) is { } noCleanup) notRun[CleanupCheck] = noCleanup;

        List<PlannedCheck> checks =
        [
            new(AttachmentsCheck, null), new(AddressesCheck, null),
            .. flows.SelectMany(f => f.Receivers).Select(r => new PlannedCheck(r.Check, r.Direction)),
            .. lab.SoakSeconds > 0 ? new[] { new PlannedCheck(DeliveryHeld.Name, null) } : [],
            .. lab.Segment != LabSegment.Flood ? new[] { new PlannedCheck(LeaveToLast.Name, FlowDirection.PodToOutside) } : [],
            new(CleanupCheck, null),
        ];
        return new LabExperiment(nodes, [.. receivers, sender, control], runnable, checks, notRun);
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
