namespace McastLab.Pipeline.Prerequisites;

/// <summary>
/// Which programs each target needs; only what the requested targets need is checked.
/// Targets that need dockerd also get an engine that answers.
/// </summary>
public static class PrerequisiteCatalog
{
    /// <summary>Where Debian's containernetworking-plugins and most CNI installs put the plugins.</summary>
    public static IReadOnlyList<string> CniDirectories { get; } = ["/usr/lib/cni", "/opt/cni/bin"];

    public static IReadOnlyList<Requirement> All { get; } =
    [
        // The engine, not only a client: some machines ship a docker CLI without one.
        new("dockerd", "docker.io", ["--version"], ["BaseImage", "Images", "Push", "Lab", "Test"]),
        new("ip", "iproute2", ["-V"], ["Lab", "Test"]),
        new("macvlan", "containernetworking-plugins", [], ["Lab", "Test"]) { Directories = CniDirectories },
        new("host-local", "containernetworking-plugins", [], ["Lab", "Test"]) { Directories = CniDirectories },
        new("iperf", "iperf", ["-v"], ["Lab", "Test"]),
        new("debootstrap", "debootstrap", ["--version"], ["BaseImage", "Images", "Push", "Lab", "Test"]),
        new("docker-registry", "docker-registry", ["--version"], ["Push", "Test"]),
        new("packer", "packer", ["version"], ["DockerBox", "K8sBox", "Boxes", "Test"]),
        new("vagrant", "vagrant", ["--version"], ["DockerBox", "K8sBox", "Boxes", "RegisterBoxes", "LabUp", "Test"]),
        new("scp", "openssh-client", ["-V"], ["LabUp"]),
        new("shellcheck", "shellcheck", ["--version"], ["Test"]),
        new("clang", "clang", ["--version"], ["McastTools", "Images", "Push", "Lab", "Test"]),
        new("git", "git", ["--version"], ["Images", "Push", "Test"]),
    ];
}
