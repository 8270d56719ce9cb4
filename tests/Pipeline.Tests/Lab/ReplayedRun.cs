using System.Text.Json.Nodes;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>
/// A lab run of today's experiment with the real tools' captured outputs in place of the backend
/// (Captured/README.md says how each was made): what a backend would observe, judged by the lab's verdict.
/// A test replaces one observation to show one check failing.
/// </summary>
internal sealed class ReplayedRun
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot.Path, "tests/Pipeline.Tests/Lab/Captured");

    public static string Captured(string file) => File.ReadAllText(Path.Combine(Directory, file));

    public ReplayedRun(params (string Name, string Value)[] parameters)
    {
        Settings = Boxes.BoxTestContext.Parameters(parameters).Lab;
        Topology = LocalLab.Topology(Settings);
    }

    public LabSettings Settings { get; }

    public BackendTopology Topology { get; init; }

    public LabExperiment Experiment => LabExperiment.Plan(Settings, Topology);

    /// <summary>What a clean run observes: every pod attached, every receiver's captured output, nothing left.</summary>
    public LabObservations Observations()
    {
        var experiment = Experiment;
        return new LabObservations
        {
            Location = "replayed captures",
            Pods = [.. experiment.Pods.Select(Pod)],
            Hosts = [new HostReport(LabExperiment.SourceHost, ["10.0.0.12"]), .. experiment.Nodes.Select((n, i) => new HostReport(n, i == 0 ? ["10.0.0.11"] : []))],
            HostSegmentAddresses = [new SegmentAddress(LabExperiment.SourceHost, "10.0.0.12"), new SegmentAddress(experiment.Nodes[0], "10.0.0.11")],
            Flows = [.. experiment.Flows.Select(f => new FlowObservation(f.Name, Sender(f.Sender.Tool), "10.0.0.12",
                [.. f.Receivers.Select(r => new ReceiverObservation(r.Check, Receiver(f.Sender.Tool, r), true, "10.0.0.13"))]))],
            Leftovers = [],
        };
    }

    /// <summary>The report of these observations, as the Lab target makes it.</summary>
    public LabReport Report(LabObservations? observed = null)
    {
        var experiment = Experiment;
        var request = new LabRequest(Settings, "registry.local/mcastlab/mcast:1.0.0", "registry.local/mcastlab/iperf:1.0.0", "manifests");
        var run = LabRunFacts.Of("mcl0a1b2c", request, experiment, Topology, "replayed captures");
        return LabReport.Of("local", run, new DateTimeOffset(2026, 12, 6, 19, 0, 0, TimeSpan.Zero), TimeSpan.FromSeconds(21.4), experiment,
            observed ?? Observations(), Settings);
    }

    /// <summary>The observations with one receiver's output replaced.</summary>
    public LabObservations WithReceiver(string check, ContainerOutcome output, bool? joined = true)
    {
        var observed = Observations();
        return observed with
        {
            Flows = [.. observed.Flows.Select(f => f with
            {
                Receivers = [.. f.Receivers.Select(r => r.Check == check ? r with { Output = output, Joined = joined } : r)],
            })],
        };
    }

    /// <summary>
    /// The observations with one flow replaced by a capture of its own send: its sender's output, one receiver's
    /// (<paramref name="check"/>) and, for the others, the output of the receiver that heard the same send beside it.
    /// </summary>
    public LabObservations WithFlow(string flow, string sender, string check, string receiver, string beside)
    {
        var observed = Observations();
        return observed with
        {
            Flows = [.. observed.Flows.Select(f => f.Flow != flow ? f : f with
            {
                Sender = new ContainerOutcome(0, Captured(sender), ""),
                Receivers = [.. f.Receivers.Select(r => r with { Output = new ContainerOutcome(0, Captured(r.Check == check ? receiver : beside), "") })],
            })],
        };
    }

    /// <summary>The observations with one flow's sender outcome replaced.</summary>
    public LabObservations WithSender(string flow, ContainerOutcome sender)
    {
        var observed = Observations();
        return observed with { Flows = [.. observed.Flows.Select(f => f.Flow == flow ? f with { Sender = sender } : f)] };
    }

    public static ContainerOutcome Sender(FlowTool tool) => tool == FlowTool.IperfClient
        ? new ContainerOutcome(0, Captured("iperf-client.txt"), "")
        : new ContainerOutcome(0, Captured("mcast-send.txt"), "");

    /// <summary>A receiver's captured output for a sender tool: iperf's client was captured with mcast recv and iperf's server, so was `mcast send`.</summary>
    public static ContainerOutcome Receiver(FlowTool sender, FlowReceiver receiver) => (receiver.Tool, receiver.Expect, sender) switch
    {
        (FlowTool.IperfServer, _, FlowTool.IperfClient) => new ContainerOutcome(0, Captured("iperf-server-from-iperf.txt"), ""),
        (FlowTool.IperfServer, _, _) => new ContainerOutcome(0, Captured("iperf-server.txt"), ""),
        (_, Expectation.Everything, FlowTool.IperfClient) => new ContainerOutcome(0, Captured("mcast-recv.jsonl"), Captured("mcast-recv.stderr")),
        (_, Expectation.Everything, _) => new ContainerOutcome(0, Captured("mcast-recv-from-mcast-send.jsonl"), ""),
        _ => new ContainerOutcome(143, Captured("mcast-recv-control-eth0.jsonl"), Captured("mcast-recv-control-eth0.stderr")),
    };

    /// <summary>A pod's network status from captured CNI ADD results (pod-1, pod-2, sender, control; other pods reuse pod-2's eth0 with their own eth1).</summary>
    private PodObservation Pod(LabPod pod, int index)
    {
        var name = pod.Name is "pod-1" or "pod-2" or LabExperiment.SenderPod or LabExperiment.ControlPod ? pod.Name : "pod-2";
        List<NetworkStatusEntry> entries = [Entry(name, "eth0", "cbr0", true)];
        if (pod.Attached)
        {
            var eth1 = Entry(name, "eth1", $"default/{Settings.NetworkName}", false);
            // Beyond the captured pods, host-local's next addresses, as it hands them out in order.
            // (the captured pod-1, pod-2 and sender hold .13, .14 and .15).
            entries.Add(name == pod.Name ? eth1 : eth1 with { Ips = [$"10.0.0.{14 + index}"] });
        }
        return new PodObservation(pod, entries);
    }

    private static NetworkStatusEntry Entry(string pod, string interfaceName, string network, bool isDefault)
    {
        var result = JsonNode.Parse(Captured($"cni-{pod}-{interfaceName}.json"))!;
        var ips = result["ips"]!.AsArray().Select(ip => ((string)ip!["address"]!).Split('/')[0]).ToList();
        return new NetworkStatusEntry
        {
            Name = network,
            Interface = interfaceName,
            Ips = ips,
            Mac = (string?)result["interfaces"]!.AsArray().First(i => (string?)i!["sandbox"] is not null)!["mac"],
            Default = isDefault,
            Gateway = isDefault ? [.. result["ips"]!.AsArray().Select(ip => (string?)ip!["gateway"]).OfType<string>()] : null,
        };
    }
}
