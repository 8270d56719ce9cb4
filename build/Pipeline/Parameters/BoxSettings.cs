using System.Net;
using System.Net.Sockets;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Parameters;

/// <summary>The Vagrant provider the boxes are built for and the lab runs on.</summary>
public enum BoxProvider
{
    Virtualbox,
    Libvirt,
}

/// <summary>The two boxes of each OS: Docker only (mcastsrc), and Docker plus Kubernetes (k8s, workers).</summary>
public enum BoxRole
{
    Docker,
    K8s,
}

/// <summary>
/// The boxes and the two-VM lab (section "boxes" of mcastlab.json) and their pins (section "versions").
/// They are checked here only: the Vagrantfile reads the machines made from them (Boxes/LabMachines.cs,
/// written to Vagrant/machines.json), so the pipeline and a plain `vagrant up` make the same lab.
/// </summary>
public sealed record BoxSettings
{
    public const int MaxWorkers = 9;

    public static IReadOnlyList<ParameterDefinition> Definitions { get; } = DefinitionsFor(BoxOs.All);

    /// <summary>The parameters of the boxes with the pins of these OSes (<see cref="BoxOs.Definitions"/>).</summary>
    public static IReadOnlyList<ParameterDefinition> DefinitionsFor(IReadOnlyList<BoxOs> oses) =>
    [
        new("box-os", "boxes", $"OS of the boxes: {string.Join(" or ", oses.Select(o => $"{o.Name} ({o.Title})"))}."),
        new("box-provider", "boxes", "Vagrant provider the boxes are built for and the lab runs on: virtualbox or libvirt."),
        new("box-version", "boxes", "Version the boxes get in their catalog; empty means the build time (yyyyMMdd.HHmmss).") { Form = ParameterForm.BoxVersion },
        new("workers", "boxes", "Worker VMs that join the k8s node's cluster (0 to 9)."),
        new("worker-address-start", "boxes", "Address of the first worker on the segment; the others follow it."),
        new("k8s-host", "boxes", "VM and node name of the Kubernetes control plane."),
        new("mcastsrc-host", "boxes", "VM name of the multicast source."),
        new("pod-cidr", "boxes", "Pod network of the cluster (flannel's default 10.244.0.0/16)."),
        .. oses.SelectMany(o => o.Definitions),
    ];

    public required BoxOs Os { get; init; }
    public required BoxProvider Provider { get; init; }
    public string? Version { get; init; }
    public required int Workers { get; init; }
    public required IPAddress WorkerAddressStart { get; init; }
    public required string K8sHost { get; init; }
    public required string McastsrcHost { get; init; }
    public required string PodCidr { get; init; }

    /// <summary>The chosen OS's pins; the base box version is always pinned, never "the newest".</summary>
    public required OsPins Pins { get; init; }

    public static BoxSettings From(ResolvedParameters p, LabSettings lab) => From(p, lab, BoxOs.All);

    public static BoxSettings From(ResolvedParameters p, LabSettings lab, IReadOnlyList<BoxOs> oses)
    {
        var os = BoxOs.Choose(p, oses);
        var settings = new BoxSettings
        {
            Os = os,
            Provider = p.Choice<BoxProvider>("box-provider"),
            Version = p.Optional("box-version"),
            Workers = p.Number("workers", 0, MaxWorkers),
            WorkerAddressStart = p.Address("worker-address-start", AddressFamily.InterNetwork),
            K8sHost = p.Text("k8s-host"),
            McastsrcHost = p.Text("mcastsrc-host"),
            PodCidr = p.Network("pod-cidr").ToString(),
            Pins = os.ReadPins(p),
        };
        settings.Validate(p, lab);
        return settings;
    }

    private void Validate(ResolvedParameters p, LabSettings lab)
    {
        foreach (var name in new[] { "k8s-host", "mcastsrc-host" })
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(p.Text(name), "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"))
                throw p.Invalid(name, "a host name (lower-case letters, digits and '-')");
        }
        if (K8sHost == McastsrcHost) throw p.Invalid("mcastsrc-host", "different from --k8s-host");
        foreach (var address in WorkerAddresses())
        {
            var where = $"with --workers={Workers}, worker addresses from {WorkerAddressStart} on";
            if (!lab.Subnet.Contains(address)) throw p.Invalid("worker-address-start", $"an address that keeps {where} inside the subnet {lab.Subnet}");
            if (address.Equals(lab.K8sAddress) || address.Equals(lab.McastsrcAddress))
                throw p.Invalid("worker-address-start", $"an address that keeps {where} off the k8s and mcastsrc addresses");
            if (lab.InPodRange(address))
                throw p.Invalid("worker-address-start", $"an address that keeps {where} outside the pods' IPAM range {lab.RangeStart}-{lab.RangeEnd}");
        }
    }

    public static string ProviderName(BoxProvider provider) => provider.ToString().ToLowerInvariant();

    /// <summary>docker-centos7, k8s-rocky9, ...: the names the walkthrough used, with the OS as suffix.</summary>
    public static string BoxName(BoxRole role, BoxOs os) => $"{role.ToString().ToLowerInvariant()}-{os.Name}";

    public string BoxName(BoxRole role) => BoxName(role, Os);

    /// <summary>The worker addresses: consecutive from --worker-address-start.</summary>
    public IReadOnlyList<IPAddress> WorkerAddresses() =>
        [.. Enumerable.Range(0, Workers).Select(i => (Ipv4Number.Of(WorkerAddressStart) + i).ToAddress())];
}
