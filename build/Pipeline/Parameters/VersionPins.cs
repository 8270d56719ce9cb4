namespace McastLab.Pipeline.Parameters;

/// <summary>
/// The iperf version the images and interop tests expect (section "versions" of mcastlab.json). The other pins of
/// that section: the box OSes' (<see cref="BoxOs"/>) and the cluster add-ons' (<see cref="ClusterAddonPins"/>).
/// </summary>
public sealed record VersionPins(string Iperf)
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("iperf-version", "versions", "iperf 2 version the images and interop tests expect (Debian bookworm ships 2.1.8).") { Form = ParameterForm.PackageVersion },
        // Read only by the real-run workflows (.github/workflows/kind-lab.yml, kvm-lab.yml; docs/ci-workflows.md).
        new("kind-version", "versions", "kind release the kind-lab workflow installs.") { Form = ParameterForm.ReleaseTag },
        new("kind-node-image", "versions", "kind node image by digest, one listed in that kind release's notes (the tag alone may name a build for another release).") { Form = ParameterForm.ImageByDigest },
        new("vagrant-version", "versions", "Vagrant the kvm-lab workflow installs from HashiCorp's apt repository.") { Form = ParameterForm.PackageVersion },
        new("packer-version", "versions", "Packer the kvm-lab workflow installs (1.9.x is the last MPL-licensed release).") { Form = ParameterForm.PackageVersion },
        new("vagrant-libvirt-version", "versions", "vagrant-libvirt plugin version the kvm-lab workflow installs.") { Form = ParameterForm.PackageVersion },
    ];

    public static VersionPins From(ResolvedParameters p) =>
        new(p.Text("iperf-version"));
}
