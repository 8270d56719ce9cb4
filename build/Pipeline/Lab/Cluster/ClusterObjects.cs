using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// The Kubernetes objects of one cluster run, built from its plan by the generator (<see cref="LabManifests"/>,
/// the one place the pod and attachment specs are written): one attachment per node (and the sender's), the
/// receiver and control pods, and the sender pod. They live in the lab's long-lived namespace, named after the
/// run (RUN-…) and carrying its label, so `kubectl -n mcastlab get pods,net-attach-def -l mcastlab.io/run=RUN`
/// finds everything a run made and the run removes exactly that.
/// </summary>
/// <param name="receiverLifetime">How long a receiver may wait for its stream: the other pods starting, then every sender's start and send.</param>
/// <param name="tolerations">The taints the run was asked to tolerate (--tolerate-taints).</param>
public sealed class ClusterObjects(LabSettings lab, ImageSettings images, ClusterPlan plan, LabRequest request, LabRunId run, string ns, ImagePolicy pull,
    TimeSpan receiverLifetime, IReadOnlyList<string>? tolerations = null)
{
    public const string RunLabel = "mcastlab.io/run";

    /// <summary>Selects every object of this run.</summary>
    public string RunSelector => $"{RunLabel}={run.Value}";

    /// <summary>Every object of the run is named RUN-…: its events are told apart by that prefix.</summary>
    public string NamePrefix => run.Value + "-";

    public string Namespace => ns;

    /// <summary>The long-lived namespace the runs live in, as a backend whose kubeconfig is the cluster's admin makes it when missing.</summary>
    public static V1Namespace LabNamespace(string name) => new() { Metadata = new V1ObjectMeta { Name = name, Labels = LabManifests.Labels() } };

    /// <summary>The Kubernetes name of an experiment pod: the run, its node's place in the plan, its name (pod-1 exists on every node).</summary>
    public string PodName(LabPod pod) => run.Name($"n{plan.NodeIndex(pod.Node) + 1}-{pod.Name}");

    /// <summary>The Kubernetes name of an attachment.</summary>
    public string AttachmentName(ClusterAttachment attachment) => run.Name(attachment.Name);

    /// <summary>The images the pods run, as the Lab target names them (by digest once pushed: a rebuilt tag is never mistaken for a node's copy).</summary>
    public (string Mcast, string Iperf) Images { get; init; } = (request.McastImage, request.IperfImage);

    /// <summary>An attachment from the generator (LabManifests), with its own slice of the range.</summary>
    public JsonObject Attachment(ClusterAttachment attachment)
    {
        var name = AttachmentName(attachment);
        var network = new LabManifests(lab, images).CniNetwork(attachment.RangeStart, attachment.RangeEnd) with { Name = name };
        return new JsonObject
        {
            ["apiVersion"] = "k8s.cni.cncf.io/v1",
            ["kind"] = "NetworkAttachmentDefinition",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject([.. Labels("network").Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]) },
            ["spec"] = new JsonObject { ["config"] = network.ToJson() },
        };
    }

    /// <summary>The Kubernetes name of the sender pod of one flow: a pod per flow (a pod's spec cannot change), one at a time.</summary>
    public string SenderPodName(LabPod pod, TrafficFlow flow) => $"{PodName(pod)}-{flow.Name}";

    /// <summary>
    /// A pod that receives: one `mcast recv` (or iperf server) container per flow it is a receiver of, each on its
    /// flow's port. iperf's server never ends by itself: its -t ends it when the run's waits are over.
    /// </summary>
    public JsonObject ReceivingPod(LabPod pod)
    {
        var containers = new List<V1Container>();
        foreach (var flow in plan.Experiment.Flows)
        {
            foreach (var receiver in flow.Receivers.Where(r => r.Place == pod.Key))
            {
                var (image, program) = Receiver(receiver);
                containers.Add(Container(ClusterPlan.ContainerName(flow, receiver), image, program, ReceiverArguments(flow, receiver)));
            }
        }
        return Pod(PodName(pod), pod, pod.Name == LabExperiment.ControlPod ? "control" : "receiver", containers);
    }

    /// <summary>A receiver's image and program (the image's entrypoint is replaced by it).</summary>
    public (string Image, string Program) Receiver(FlowReceiver receiver) =>
        receiver.Tool == FlowTool.IperfServer ? (Images.Iperf, "iperf") : (Images.Mcast, "mcast");

    /// <summary>
    /// A receiver's arguments, in a pod or on mcastsrc. ReceiverArguments gives a receiver the send's duration and a
    /// minute: on a cluster it starts long before the send (image pulls on every node), so its limit is the run's
    /// whole waiting time instead; iperf's server, which never ends by itself, gets it as its -t.
    /// </summary>
    public IReadOnlyList<string> ReceiverArguments(TrafficFlow flow, FlowReceiver receiver)
    {
        var seconds = (int)Math.Ceiling(receiverLifetime.TotalSeconds);
        var arguments = LabExperiment.ReceiverArguments(receiver, flow.Port, lab with { DurationSeconds = seconds }, LabTraffic.MinimumDatagrams(lab.Rate, lab.DurationSeconds));
        return receiver.Tool == FlowTool.IperfServer ? [.. arguments, "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)] : arguments;
    }

    /// <summary>The sender pod of a flow: its tool bound to the sender attachment's one address, or choosing its interface the flow's way.</summary>
    public JsonObject SenderPod(LabPod pod, TrafficFlow flow) =>
        Pod(SenderPodName(pod, flow), pod, "sender", [Container("send", LabExperiment.ImageOf(flow.Sender.Tool, Images.Mcast, Images.Iperf),
            flow.Sender.Tool == FlowTool.IperfClient ? "iperf" : "mcast",
            LabExperiment.SenderArguments(flow.Sender, flow.Port, lab, plan.SenderAddress.ToString()))]);

    private JsonObject Pod(string name, LabPod pod, string component, List<V1Container> containers)
    {
        var spec = LabManifests.LabPod(name, Labels(component), pod.Attached ? $"{AttachmentName(plan.AttachmentOf(pod))}@{lab.Interface}" : null, containers,
            // One pod per chosen node, placed by name: the scheduler must not move a receiver elsewhere.
            terminationGraceSeconds: 10, nodeName: pod.Node, ns: ns, restartPolicy: "Never",
            tolerations: [.. (tolerations ?? []).Select(key => new V1Toleration { Key = key, OperatorProperty = "Exists" })]);
        return (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(spec))!;
    }

    private V1Container Container(string name, string image, string command, IReadOnlyList<string> arguments) =>
        LabManifests.Container(name, image, pull == ImagePolicy.Never ? "Never" : "IfNotPresent", command, arguments);

    private Dictionary<string, string> Labels(string component) => new(LabManifests.Labels(component)) { [RunLabel] = run.Value };
}

/// <summary>Where the pods' images come from: the registry (--registry, after Push), or already on the nodes (the two-VM lab copies them).</summary>
public enum ImagePolicy
{
    Pull,
    Never,
}
