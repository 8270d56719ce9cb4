using System.Text.Json.Nodes;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// The Kubernetes objects of one cluster run, built from its plan: the namespace, one attachment per node (and
/// the sender's), the receiver and control pods, and the sender pod. Every one carries the run's label, so
/// `kubectl get all,net-attach-def -A -l mcastlab.io/run=RUN` finds everything a run made.
/// </summary>
/// <param name="receiverLifetime">How long a receiver may wait for its stream: the other pods starting, then every sender's start and send.</param>
public sealed class ClusterObjects(LabSettings lab, ImageSettings images, ClusterPlan plan, LabRequest request, LabRunId run, string ns, ImagePolicy pull, TimeSpan receiverLifetime)
{
    public const string RunLabel = "mcastlab.io/run";

    /// <summary>Selects every pod of this run.</summary>
    public string RunSelector => $"{RunLabel}={run.Value}";

    public string Namespace => ns;

    public JsonObject NamespaceObject() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Namespace",
        ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = Labels("namespace") },
    };

    /// <summary>An attachment from the generator (LabManifests), with its own slice of the range.</summary>
    public JsonObject Attachment(ClusterAttachment attachment)
    {
        var network = new LabManifests(lab, images).CniNetwork(attachment.RangeStart, attachment.RangeEnd) with { Name = attachment.Name };
        return new JsonObject
        {
            ["apiVersion"] = "k8s.cni.cncf.io/v1",
            ["kind"] = "NetworkAttachmentDefinition",
            ["metadata"] = new JsonObject { ["name"] = attachment.Name, ["namespace"] = ns, ["labels"] = Labels("network") },
            ["spec"] = new JsonObject { ["config"] = network.ToJson() },
        };
    }

    /// <summary>A pod that receives: one `mcast recv` container per flow it is a receiver of, each on its flow's port.</summary>
    public JsonObject ReceivingPod(LabPod pod)
    {
        var minimum = LabTraffic.MinimumDatagrams(lab.Rate, lab.DurationSeconds);
        // ReceiverArguments gives a receiver the send's duration and a minute: on a cluster it starts long before
        // the send (image pulls on every node), so its limit is the run's whole waiting time instead.
        var lasting = lab with { DurationSeconds = (int)Math.Ceiling(receiverLifetime.TotalSeconds) };
        var containers = new JsonArray();
        foreach (var flow in plan.Experiment.Flows)
        {
            foreach (var receiver in flow.Receivers.Where(r => r.Place == pod.Key))
            {
                containers.Add(Container(ClusterPlan.ContainerName(flow), request.McastImage, "mcast", LabExperiment.ReceiverArguments(receiver, flow.Port, lasting, minimum)));
            }
        }
        return Pod(pod, pod.Name == LabExperiment.ControlPod ? "control" : "receiver", containers);
    }

    /// <summary>The sender pod of a flow: iperf's client bound to the sender attachment's one address.</summary>
    public JsonObject SenderPod(LabPod pod, TrafficFlow flow) =>
        Pod(pod, "sender", new JsonArray(Container("send", LabExperiment.ImageOf(flow.Sender.Tool, request.McastImage, request.IperfImage),
            flow.Sender.Tool == FlowTool.IperfClient ? "iperf" : "mcast",
            LabExperiment.SenderArguments(flow.Sender, flow.Port, lab, plan.SenderAddress.ToString()))));

    private JsonObject Pod(LabPod pod, string component, JsonArray containers)
    {
        var metadata = new JsonObject { ["name"] = pod.Name, ["namespace"] = ns, ["labels"] = Labels(component) };
        if (pod.Attached)
        {
            metadata["annotations"] = new JsonObject { [NetworkAttachmentDefinition.NetworksAnnotation] = $"{plan.AttachmentOf(pod).Name}@{lab.Interface}" };
        }
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                // One pod per chosen node, placed by name: the scheduler must not move a receiver elsewhere.
                ["nodeName"] = pod.Node,
                ["restartPolicy"] = "Never",
                ["terminationGracePeriodSeconds"] = 10,
                // Pod Security's "restricted" profile: joining, sending and receiving multicast need no privilege,
                // and both images run as nobody (65534), so namespaces that enforce it admit the lab.
                ["securityContext"] = new JsonObject { ["runAsNonRoot"] = true, ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" } },
                ["containers"] = containers,
            },
        };
    }

    private JsonObject Container(string name, string image, string command, IReadOnlyList<string> arguments) => new()
    {
        ["name"] = name,
        ["image"] = image,
        ["imagePullPolicy"] = pull == ImagePolicy.Never ? "Never" : "IfNotPresent",
        ["command"] = new JsonArray(command),
        ["args"] = new JsonArray([.. arguments.Select(a => (JsonNode?)a)]),
        ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false, ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") } },
    };

    private JsonObject Labels(string component) => new()
    {
        [RunLabel] = run.Value,
        ["app.kubernetes.io/part-of"] = "mcastlab",
        ["app.kubernetes.io/component"] = component,
    };
}

/// <summary>Where the pods' images come from: the registry (--registry, after Push), or already on the nodes (the two-VM lab copies them).</summary>
public enum ImagePolicy
{
    Pull,
    Never,
}
