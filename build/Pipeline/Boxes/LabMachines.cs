using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>What a machine of the Vagrant lab runs at its first boot: a script the k8s box installs, or nothing (in machines.json: cluster-init, cluster-join, nothing).</summary>
public enum FirstBoot
{
    /// <summary>mcastsrc: Docker only, no cluster.</summary>
    Nothing,

    /// <summary>The k8s node makes the kubeadm cluster (/usr/local/sbin/mcastlab-cluster-init).</summary>
    ClusterInit,

    /// <summary>A worker joins it (/usr/local/sbin/mcastlab-cluster-join).</summary>
    ClusterJoin,
}

/// <summary>
/// One VM of the Vagrant lab, as the Vagrantfile defines it. The arguments of its first-boot script lack only
/// `--token`: the Vagrantfile adds the bootstrap token it keeps per lab directory (never committed).
/// </summary>
public sealed record LabMachine(
    string Name,
    [property: JsonConverter(typeof(LabMachines.AddressJson))] IPAddress Address,
    string Box,
    int MemoryMiB,
    int Cpus,
    FirstBoot FirstBoot,
    IReadOnlyList<string> FirstBootArguments);

/// <summary>
/// The Vagrant lab's machines, from the validated parameters: k8s (makes the cluster), mcastsrc (the
/// multicast source) and the workers (join it), in the order they must come up. Written to
/// Vagrant/machines.json, which is all the Vagrantfile reads, so `./build.sh LabUp` and a plain `vagrant up`
/// make the same lab and nothing is computed or checked twice.
/// </summary>
public sealed class LabMachines
{
    public const string FilePath = "Vagrant/machines.json";

    /// <summary>kubeadm's API server port on the k8s node.</summary>
    public const int ApiServerPort = 6443;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) }, // FirstBoot.ClusterInit: "cluster-init"
    };

    private LabMachines(LabMachine k8s, LabMachine mcastsrc, IReadOnlyList<LabMachine> workers)
    {
        K8s = k8s;
        Mcastsrc = mcastsrc;
        Workers = workers;
    }

    public LabMachine K8s { get; }
    public LabMachine Mcastsrc { get; }
    public IReadOnlyList<LabMachine> Workers { get; }

    /// <summary>Every machine, k8s first: a worker's kubeadm join needs the cluster the k8s node made.</summary>
    public IReadOnlyList<LabMachine> All => [K8s, Mcastsrc, .. Workers];

    /// <summary>The Kubernetes nodes: the k8s node and the workers.</summary>
    public IReadOnlyList<LabMachine> Nodes => [K8s, .. Workers];

    /// <summary>Where the workers join and the pipeline reaches the API server: the k8s node's segment address.</summary>
    public string ControlPlane => Endpoint(K8s.Address);

    private static string Endpoint(IPAddress address) => $"{address}:{ApiServerPort}";

    public static LabMachines From(BuildParameters parameters) => From(parameters.Boxes, parameters.Lab, parameters.ClusterAddons);

    /// <summary>
    /// Sizes: kubeadm refuses fewer than 2 CPUs on a node; the k8s node runs the control plane besides the
    /// pods, mcastsrc only Docker.
    /// </summary>
    public static LabMachines From(BoxSettings boxes, LabSettings lab, ClusterAddonPins addons)
    {
        var kubernetesBox = boxes.BoxName(BoxRole.K8s);
        var k8s = new LabMachine(boxes.K8sHost, lab.K8sAddress, kubernetesBox, MemoryMiB: 4096, Cpus: 2, FirstBoot.ClusterInit,
        [
            "--advertise-address", lab.K8sAddress.ToString(), "--node-name", boxes.K8sHost, "--interface", lab.Interface,
            "--pod-cidr", boxes.PodCidr, "--flannel-url", addons.Flannel.Url.ToString(), "--flannel-sha256", addons.Flannel.Sha256,
        ]);
        var mcastsrc = new LabMachine(boxes.McastsrcHost, lab.McastsrcAddress, boxes.BoxName(BoxRole.Docker), MemoryMiB: 1024, Cpus: 1, FirstBoot.Nothing, []);
        var workers = boxes.WorkerAddresses().Select((address, i) => Worker($"worker{i + 1}", address)).ToList();
        return new LabMachines(k8s, mcastsrc, workers);

        LabMachine Worker(string name, IPAddress address) => new(name, address, kubernetesBox, MemoryMiB: 2048, Cpus: 2, FirstBoot.ClusterJoin,
            ["--control-plane", Endpoint(k8s.Address), "--node-ip", address.ToString(), "--node-name", name]);
    }

    public string ToJson() => JsonSerializer.Serialize(new { generatedBy = ManifestYaml.GeneratedBy, machines = All }, Json) + "\n";

    public ManifestFile File() => new(FilePath, ToJson());

    internal sealed class AddressJson : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IPAddress.Parse(reader.GetString() ?? "");

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
