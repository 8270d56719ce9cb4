using System.Net;
using System.Net.Sockets;

namespace McastLab.Pipeline.Parameters;

/// <summary>The operating system of the boxes: CentOS 7 as the walkthrough had it, or the supported Rocky Linux 9.</summary>
public enum BoxOs
{
    Centos7,
    Rocky9,
}

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
/// They are checked here only: the Vagrantfile reads the machines made from them (Manifests/LabMachines.cs,
/// written to Vagrant/machines.json), so the pipeline and a plain `vagrant up` make the same lab.
/// </summary>
public sealed record BoxSettings
{
    public const int MaxWorkers = 9;

    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("box-os", "boxes", "OS of the boxes: centos7 (the walkthrough's, end-of-life) or rocky9 (supported, same family)."),
        new("box-provider", "boxes", "Vagrant provider the boxes are built for and the lab runs on: virtualbox or libvirt."),
        new("box-version", "boxes", "Version the boxes get in their catalog; empty means the build time (yyyyMMdd.HHmmss).") { Form = ParameterForm.BoxVersion },
        new("workers", "boxes", "Worker VMs that join the k8s node's cluster (0 to 9)."),
        new("worker-address-start", "boxes", "Address of the first worker on the segment; the others follow it."),
        new("k8s-host", "boxes", "VM and node name of the Kubernetes control plane."),
        new("mcastsrc-host", "boxes", "VM name of the multicast source."),
        new("pod-cidr", "boxes", "Pod network of the cluster (flannel's default 10.244.0.0/16)."),
        new("centos7-box-version", "versions", "Version of the centos/7 base box (2004.01 is its last).") { Form = ParameterForm.BoxVersion },
        new("rocky9-box-version", "versions", "Version of the rockylinux/9 base box; required with --box-os=rocky9 (none could be checked here to pin).") { Form = ParameterForm.BoxVersion },
        new("docker-ce-rocky9-version", "versions", "Docker CE on Rocky Linux 9.") { Form = ParameterForm.PackageVersion },
        new("containerd-io-centos7-version", "versions", "containerd.io from Docker's el7 repository (1.6.33 is its last), the k8s box's runtime.") { Form = ParameterForm.PackageVersion },
        new("containerd-io-rocky9-version", "versions", "containerd.io from Docker's el9 repository, the k8s box's runtime.") { Form = ParameterForm.PackageVersion },
        new("kubernetes-minor-rocky9", "versions", "Kubernetes minor from pkgs.k8s.io on Rocky Linux 9 (cgroup v2: current minors work).") { Form = ParameterForm.KubernetesMinor },
    ];

    public required BoxOs Os { get; init; }
    public required BoxProvider Provider { get; init; }
    public string? Version { get; init; }
    public required int Workers { get; init; }
    public required IPAddress WorkerAddressStart { get; init; }
    public required string K8sHost { get; init; }
    public required string McastsrcHost { get; init; }
    public required string PodCidr { get; init; }

    /// <summary>Version of the base box the docker box starts from: always pinned, never "the newest".</summary>
    public required string BaseBoxVersion { get; init; }

    public required string DockerCeVersion { get; init; }
    public required string ContainerdIoVersion { get; init; }
    public required string KubernetesMinor { get; init; }

    public static BoxSettings From(ResolvedParameters p, LabSettings lab)
    {
        var os = p.Choice<BoxOs>("box-os");
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
            BaseBoxVersion = os == BoxOs.Centos7 ? p.Text("centos7-box-version") : p.Text("rocky9-box-version"),
            DockerCeVersion = os == BoxOs.Centos7 ? p.Text("docker-ce-centos7-version") : p.Text("docker-ce-rocky9-version"),
            ContainerdIoVersion = os == BoxOs.Centos7 ? p.Text("containerd-io-centos7-version") : p.Text("containerd-io-rocky9-version"),
            KubernetesMinor = os == BoxOs.Centos7 ? p.Text("kubernetes-minor") : p.Text("kubernetes-minor-rocky9"),
        };
        settings.Validate(p, lab);
        return settings;
    }

    private void Validate(ResolvedParameters p, LabSettings lab)
    {
        var minorName = Os == BoxOs.Centos7 ? "kubernetes-minor" : "kubernetes-minor-rocky9";
        var parts = KubernetesMinor.Split('.');
        if (parts.Length != 2 || parts[0] != "1" || !int.TryParse(parts[1], out var minor))
        {
            throw p.Invalid(minorName, "a Kubernetes minor such as 1.34");
        }
        // CentOS 7 has cgroup v1 only, which kubelet 1.35 and newer refuse by default.
        if (Os == BoxOs.Centos7 && minor > 34) throw p.Invalid(minorName, "1.34 or older on CentOS 7 (cgroup v1 only)");
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

    public static string OsName(BoxOs os) => os.ToString().ToLowerInvariant();

    public static string ProviderName(BoxProvider provider) => provider.ToString().ToLowerInvariant();

    /// <summary>docker-centos7, k8s-rocky9, ...: the names the walkthrough used, with the OS as suffix.</summary>
    public static string BoxName(BoxRole role, BoxOs os) => $"{role.ToString().ToLowerInvariant()}-{OsName(os)}";

    public string BoxName(BoxRole role) => BoxName(role, Os);

    /// <summary>The worker addresses: consecutive from --worker-address-start.</summary>
    public IReadOnlyList<IPAddress> WorkerAddresses()
    {
        var start = WorkerAddressStart.GetAddressBytes();
        var first = ((uint)start[0] << 24) | ((uint)start[1] << 16) | ((uint)start[2] << 8) | start[3];
        return Enumerable.Range(0, Workers)
            .Select(i => first + (uint)i)
            .Select(n => new IPAddress([(byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n]))
            .ToList();
    }
}
