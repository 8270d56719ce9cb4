namespace McastLab.Pipeline.Parameters;

/// <summary>
/// One operating system the boxes are built from, everything about it in one record. Its <see cref="Name"/>
/// names the boxes (docker-NAME, k8s-NAME), the var files (packer/vars/NAME/docker.pkrvars.hcl and
/// k8s.pkrvars.hcl: the scripts of packer/scripts/ it runs and what they do differently on it, as data) and its
/// four pins, parameters of section "versions" named for it (<see cref="Pins"/>). A new OS is one record in <see cref="All"/>, its pins in
/// mcastlab.json, one packer/vars/NAME/ folder and the scripts it names; a record without one of its constructor's
/// fields does not compile, and an OS whose pins are not all in mcastlab.json stops at start-up.
/// </summary>
/// <param name="Name">centos7: --box-os, the box names' suffix, packer/vars/NAME/ and the pins' parameter names.</param>
/// <param name="Title">For people: CentOS 7.</param>
/// <param name="BaseBox">The Vagrant Cloud base box the docker box starts from (the var file names it too, for a build by hand).</param>
/// <param name="PackageRepository">Docker's repository line for the OS (el7, el9), in the pins' descriptions.</param>
public sealed record BoxOs(string Name, string Title, string BaseBox, string PackageRepository)
{
    /// <summary>CentOS 7, as the walkthrough had it: end-of-life, cgroup v1 only.</summary>
    public static BoxOs Centos7 { get; } = new("centos7", "CentOS 7", "centos/7", "el7")
    {
        BaseBoxNote = "2004.01 is its last",
        DockerCeNote = "26.1.x is the last el7 line",
        ContainerdIoNote = "1.6.33 is its last",
        // kubelet 1.35 and newer refuse cgroup v1 by default.
        KubernetesMinorMax = new(34, "cgroup v1 only"),
    };

    /// <summary>Rocky Linux 9: supported, same family, cgroup v2.</summary>
    public static BoxOs Rocky9 { get; } = new("rocky9", "Rocky Linux 9", "rockylinux/9", "el9")
    {
        BaseBoxNote = "required with --box-os=rocky9; none could be checked here to pin",
    };

    /// <summary>Every OS --box-os accepts.</summary>
    public static IReadOnlyList<BoxOs> All { get; } = [Centos7, Rocky9];

    public string? BaseBoxNote { get; init; }
    public string? DockerCeNote { get; init; }
    public string? ContainerdIoNote { get; init; }

    /// <summary>The newest Kubernetes minor (1.N) the OS runs, and why; null: no limit. Checked at start-up and passed to kubernetes.sh.</summary>
    public (int Minor, string Reason)? KubernetesMinorMax { get; init; }

    /// <summary>The parameter names of the OS's pins.</summary>
    public OsPinNames Pins => new($"{Name}-box-version", $"docker-ce-{Name}-version", $"containerd-io-{Name}-version", $"kubernetes-minor-{Name}");

    /// <summary>The OS's pins as parameters of section "versions".</summary>
    public IReadOnlyList<ParameterDefinition> Definitions =>
    [
        new(Pins.BaseBoxVersion, "versions", $"Version of the {BaseBox} base box{Note(BaseBoxNote)}.") { Form = ParameterForm.BoxVersion },
        new(Pins.DockerCe, "versions", $"Docker CE on {Title}{Note(DockerCeNote)}.") { Form = ParameterForm.PackageVersion },
        new(Pins.ContainerdIo, "versions", $"containerd.io from Docker's {PackageRepository} repository{Note(ContainerdIoNote)}, the k8s box's runtime.") { Form = ParameterForm.PackageVersion },
        new(Pins.KubernetesMinor, "versions", $"Kubernetes minor from pkgs.k8s.io on {Title}{Note(KubernetesMinorMax is { } max ? $"{max.Reason}: at most 1.{max.Minor}" : null)}.") { Form = ParameterForm.KubernetesMinor },
    ];

    /// <summary>The OS's pins; each must have a value when this OS is chosen.</summary>
    public OsPins ReadPins(ResolvedParameters p)
    {
        var pins = new OsPins(p.Text(Pins.BaseBoxVersion), p.Text(Pins.DockerCe), p.Text(Pins.ContainerdIo), p.Text(Pins.KubernetesMinor));
        var parts = pins.KubernetesMinor.Split('.');
        if (parts.Length != 2 || parts[0] != "1" || !int.TryParse(parts[1], out var minor)) throw p.Invalid(Pins.KubernetesMinor, "a Kubernetes minor such as 1.34");
        if (KubernetesMinorMax is { } max && minor > max.Minor) throw p.Invalid(Pins.KubernetesMinor, $"1.{max.Minor} or older on {Title} ({max.Reason})");
        return pins;
    }

    /// <summary>
    /// The OS named by --box-os among these. Every OS must have each of its pins set somewhere (mcastlab.json
    /// holds them all; an OS that is not built may leave a pin empty), so an OS added without its pins stops here.
    /// </summary>
    public static BoxOs Choose(ResolvedParameters p, IReadOnlyList<BoxOs> oses, string parameter = "box-os")
    {
        foreach (var os in oses)
        {
            if (os.Pins.All.FirstOrDefault(pin => p[pin].Source == ParameterSource.Unset) is { } missing)
            {
                throw new ParameterException($"The box OS {os.Name} has no pin {missing}; add \"{missing}\" to section \"versions\" of {ParametersFile.FileName} (empty if that OS is not built here).");
            }
        }
        var name = p.Text(parameter);
        return oses.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw p.Invalid(parameter, "one of " + string.Join(", ", oses.Select(o => o.Name)));
    }

    public override string ToString() => Name;

    private static string Note(string? note) => note is null ? "" : $" ({note})";
}

/// <summary>The parameter names of one OS's pins.</summary>
public sealed record OsPinNames(string BaseBoxVersion, string DockerCe, string ContainerdIo, string KubernetesMinor)
{
    public IReadOnlyList<string> All => [BaseBoxVersion, DockerCe, ContainerdIo, KubernetesMinor];
}

/// <summary>One OS's pinned versions: its base box, Docker CE, containerd.io and the Kubernetes minor.</summary>
public sealed record OsPins(string BaseBoxVersion, string DockerCe, string ContainerdIo, string KubernetesMinor);
