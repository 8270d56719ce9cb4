using System.Globalization;
using System.Net;
using k8s.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// Every Kubernetes document of the lab, built from the parameters: the NetworkAttachmentDefinition with
/// its CNI configuration, the receiver pod running our image, the walkthrough's iperf pod, a DaemonSet
/// with one receiver per node, and the files they are written to (the repository's files and a run's; a
/// backend's own CNI configuration needs none). The Vagrant lab's machines.json is the boxes' (Boxes/LabMachines).
/// </summary>
public sealed class LabManifests(LabSettings lab, ImageSettings images)
{
    public const string ReceiverPodName = "multicast-example";
    public const string IperfPodName = "iperf-multicast";
    public const string ReceiverDaemonSetName = "multicast-receiver";

    public const string ManifestsDirectory = "manifests";
    public const string ReceiverPodFile = "multicast-example-pod.yaml";
    public const string IperfPodFile = "iperf-multicast-pod.yaml";
    public const string DaemonSetFile = "multicast-receiver-daemonset.yaml";

    public LabManifests(BuildParameters parameters) : this(parameters.Lab, parameters.Images)
    {
    }

    /// <summary>The pod annotation value: the network, attached as the lab's interface name.</summary>
    public string NetworksAnnotation => $"{lab.NetworkName}@{lab.Interface}";

    /// <summary>Several nodes on one segment: each node gets its own slice of the range (<see cref="NodeNetworkFiles"/>).</summary>
    public bool PerNodeRanges => lab.Nodes > 1;

    public const string MulticastRoute = "224.0.0.0/4";

    /// <summary>The "gw" of a route that has none (host-local would otherwise fill in its gateway).</summary>
    public const string NoGateway = "0.0.0.0";

    public MacvlanNetwork CniNetwork() => CniNetwork(lab.RangeStart, lab.RangeEnd);

    /// <summary>The attachment's configuration with its own slice of the range (a node's, or the cluster backend's sender's).</summary>
    public MacvlanNetwork CniNetwork(IPAddress rangeStart, IPAddress rangeEnd)
    {
        // host-local's own default gateway, written out (it would take the subnet's first address anyway).
        var gateway = (Ipv4Number.Of(lab.Subnet.BaseAddress) + 1).ToString();
        return new MacvlanNetwork
        {
            Name = lab.NetworkName,
            Master = lab.Interface,
            Mode = MacvlanMode.Bridge,
            Ipam = new HostLocalIpam
            {
                Subnet = lab.Subnet.ToString(),
                RangeStart = rangeStart.ToString(),
                RangeEnd = rangeEnd.ToString(),
                Gateway = gateway,
                // A join or a send that names no interface follows the route to the group: keep multicast on the
                // segment, not on eth0's default route. The route must have no gateway: with one, a socket that
                // names its interface (IP_MULTICAST_IF, mcast --interface/--bind) sends to the gateway's MAC,
                // which nobody answers ARP for, and nothing leaves (measured in the lab). host-local adds its
                // gateway to a route without "gw"; "0.0.0.0" is the way to say none (the kernel stores none).
                Routes = [new CniRoute(MulticastRoute) { Gateway = NoGateway }],
            },
        };
    }

    public NetworkAttachmentDefinition NetworkAttachment() => new()
    {
        Metadata = new V1ObjectMeta { Name = lab.NetworkName, Labels = Labels("network") },
        // With a range per node the configuration comes from each node's file, which Multus reads when the NAD has none.
        Spec = new NetworkAttachmentDefinitionSpec { Config = PerNodeRanges ? "" : CniNetwork().ToJson() },
    };

    /// <summary>Folders that only generated files fill: ./build.sh Manifests removes what it no longer generates there.</summary>
    public static IReadOnlyList<string> GeneratedDirectories { get; } = [$"{ManifestsDirectory}/{NodeNetworkFiles.Directory}"];

    /// <summary>Each node's CNI configuration file (only with several nodes), relative to the manifests directory.</summary>
    public IReadOnlyList<ManifestFile> NodeFiles() => PerNodeRanges
        ? [.. NodeNetworkFiles.Slices(lab, lab.NodeNames).Select(slice => new ManifestFile(
            $"{ManifestsDirectory}/{NodeNetworkFiles.Directory}/{slice.Node}/{NodeNetworkFiles.FileName(lab.NetworkName)}",
            CniNetwork(slice.Start, slice.End).ToJson() + "\n"))]
        : [];

    /// <summary>Our receiver, printing one JSON report per source.</summary>
    public V1Pod ReceiverPod() => Pod(ReceiverPodName, "receiver", ReceiverContainer());

    /// <summary>The walkthrough's receiver: iperf 2 bound to the group on the attached interface.</summary>
    public V1Pod IperfPod() => Pod(IperfPodName, "iperf-receiver", Container("iperf", images.Reference(images.IperfImage, images.ManifestTag), "IfNotPresent",
        "iperf", ["-s", "-u", "-B", $"{lab.Group}%{lab.Interface}", "-i", "1"]));

    /// <summary>One receiver per node, for clusters with workers (the control plane included).</summary>
    public V1DaemonSet ReceiverDaemonSet()
    {
        var labels = Labels("receiver-daemonset");
        return new V1DaemonSet
        {
            ApiVersion = "apps/v1",
            Kind = "DaemonSet",
            Metadata = new V1ObjectMeta { Name = ReceiverDaemonSetName, Labels = labels },
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels, Annotations = Annotations() },
                    Spec = new V1PodSpec
                    {
                        Containers = [ReceiverContainer()],
                        TerminationGracePeriodSeconds = 5,
                        Tolerations = [new V1Toleration { Key = "node-role.kubernetes.io/control-plane", OperatorProperty = "Exists", Effect = "NoSchedule" }],
                    },
                },
            },
        };
    }

    public static Kustomization Kustomization() => new()
    {
        Resources = [NetworkAttachmentFile.FileName, ReceiverPodFile, IperfPodFile],
    };

    /// <summary>Every generated file, relative to the repository root.</summary>
    public IReadOnlyList<ManifestFile> Files() =>
    [
        new($"{ManifestsDirectory}/{NetworkAttachmentFile.FileName}", ManifestYaml.Render(NetworkAttachment())),
        new($"{ManifestsDirectory}/{ReceiverPodFile}", ManifestYaml.Render(ReceiverPod())),
        new($"{ManifestsDirectory}/{IperfPodFile}", ManifestYaml.Render(IperfPod())),
        new($"{ManifestsDirectory}/{DaemonSetFile}", ManifestYaml.Render(ReceiverDaemonSet())),
        new FeedMonitorManifest(this).File(),
        new($"{ManifestsDirectory}/kustomization.yaml", ManifestYaml.Render(Kustomization())),
        // The original walkthrough's file names, for `kubectl apply -f` on the Vagrant cluster.
        new("Vagrant/net-config.yml", ManifestYaml.Render(NetworkAttachment())),
        new("Vagrant/example-mcast-pod.yml", ManifestYaml.Render(IperfPod())),
        .. NodeFiles(),
    ];

    internal V1Container ReceiverContainer() => Container("mcast", images.Reference(images.McastImage, images.ManifestTag), "IfNotPresent", "mcast",
    [
        "recv",
        "--group", lab.Group.ToString(),
        "--interface", lab.Interface,
        "--port", lab.Port.ToString(CultureInfo.InvariantCulture),
        "--format", "json",
    ]);

    private V1Pod Pod(string name, string component, V1Container container) =>
        LabPod(name, Labels(component), NetworksAnnotation, [container], TerminationGrace);

    private const int TerminationGrace = 5;

    /// <summary>
    /// What every pod of the lab asks for (the committed manifests and the cluster backend's pods): enough for a
    /// sender at the lab's rates and a receiver's counters; limits too, so a namespace whose quota or policy
    /// requires them admits the pods.
    /// </summary>
    public static V1ResourceRequirements Resources() => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("50m"), ["memory"] = new("32Mi") },
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("128Mi") },
    };

    /// <summary>A container of the lab: the image's program with its arguments, no privilege, the lab's resources.</summary>
    public static V1Container Container(string name, string image, string pullPolicy, string command, IReadOnlyList<string> arguments) => new()
    {
        Name = name,
        Image = image,
        ImagePullPolicy = pullPolicy,
        Command = [command],
        Args = [.. arguments],
        Resources = Resources(),
        SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
    };

    /// <summary>
    /// A pod of the lab, the one place its spec is written: labels, the attachment (null: the cluster network only),
    /// Pod Security's "restricted" profile (joining, sending and receiving multicast need no privilege and both
    /// images run as nobody, so namespaces that enforce it admit the lab). A run's pods are never restarted (a
    /// receiver reports once); the committed examples keep Kubernetes' default.
    /// </summary>
    public static V1Pod LabPod(string name, IDictionary<string, string> labels, string? networks, IList<V1Container> containers, int terminationGraceSeconds,
        string? nodeName = null, IList<V1Toleration>? tolerations = null, string? ns = null, string? restartPolicy = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = labels,
            Annotations = networks is null ? null : new Dictionary<string, string> { [NetworkAttachmentDefinition.NetworksAnnotation] = networks },
        },
        Spec = new V1PodSpec
        {
            NodeName = nodeName,
            RestartPolicy = restartPolicy,
            TerminationGracePeriodSeconds = terminationGraceSeconds,
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Tolerations = tolerations is { Count: > 0 } ? tolerations : null,
            Containers = containers,
        },
    };

    private Dictionary<string, string> Annotations() => new() { [NetworkAttachmentDefinition.NetworksAnnotation] = NetworksAnnotation };

    /// <summary>
    /// The labels of every object of the lab: the project, and which part of it the object is (none for a
    /// namespace, which holds them all).
    /// </summary>
    public static Dictionary<string, string> Labels(string? component = null) => component is null
        ? new() { [PartOfLabel] = PartOf }
        : new() { [PartOfLabel] = PartOf, [ComponentLabel] = component };

    private const string PartOfLabel = "app.kubernetes.io/part-of";
    private const string PartOf = "mcastlab";
    private const string ComponentLabel = "app.kubernetes.io/component";
}

/// <summary>One generated file: its path relative to the repository root and its text.</summary>
public sealed record ManifestFile(string Path, string Content);
