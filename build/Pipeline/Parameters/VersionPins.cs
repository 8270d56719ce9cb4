namespace McastLab.Pipeline.Parameters;

/// <summary>
/// Every external artifact the lab fetches, pinned in one place (section "versions" of mcastlab.json):
/// exact versions, and a sha256 where a file is downloaded.
/// </summary>
public sealed record VersionPins(string Iperf, string KubernetesMinor, string DockerCeCentos7)
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("iperf-version", "versions", "iperf 2 version the images and interop tests expect (Debian bookworm ships 2.1.8).") { Form = ParameterForm.PackageVersion },
        new("kubernetes-minor", "versions", "Kubernetes minor for kubeadm/kubelet/kubectl from pkgs.k8s.io (CentOS 7 is cgroup v1: at most 1.34).") { Form = ParameterForm.KubernetesMinor },
        new("docker-ce-centos7-version", "versions", "Docker CE on CentOS 7 (26.1.x is the last el7 line).") { Form = ParameterForm.PackageVersion },
    ];

    public static VersionPins From(ResolvedParameters p) =>
        new(p.Text("iperf-version"), p.Text("kubernetes-minor"), p.Text("docker-ce-centos7-version"));
}
