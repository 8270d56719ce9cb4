namespace McastLab.Pipeline.Prerequisites;

/// <summary>Which programs each target needs. Only what the requested targets need is checked.</summary>
public static class PrerequisiteCatalog
{
    /// <summary>Where Debian's containernetworking-plugins and most CNI installs put the plugins.</summary>
    public static IReadOnlyList<string> CniDirectories { get; } = ["/usr/lib/cni", "/opt/cni/bin"];

    public static IReadOnlyList<Requirement> All { get; } =
    [
        new("docker", "docker.io", ["--version"], ["BaseImage", "Images", "Push", "Lab", "Test"]),
        new("ip", "iproute2", ["-V"], ["Lab", "Test"]),
        new("macvlan", "containernetworking-plugins", [], ["Lab", "Test"]) { Directories = CniDirectories },
        new("host-local", "containernetworking-plugins", [], ["Lab", "Test"]) { Directories = CniDirectories },
        new("iperf", "iperf", ["-v"], ["Lab", "Test"]),
        new("debootstrap", "debootstrap", ["--version"], ["BaseImage", "Images", "Push", "Lab", "Test"]),
        new("docker-registry", "docker-registry", ["--version"], ["Push", "Test"]),
        new("packer", "packer", ["version"], ["Boxes", "Test"]),
        new("vagrant", "vagrant", ["--version"], ["Boxes", "RegisterBoxes", "LabUp", "Test"]),
        new("shellcheck", "shellcheck", ["--version"], ["Test"]),
        new("clang", "clang", ["--version"], ["McastTools", "Images", "Push", "Lab", "Test"]),
        new("git", "git", ["--version"], ["Images", "Push", "Test"]),
    ];

    /// <summary>Targets that talk to the Docker engine, which must answer, not only be installed.</summary>
    public static IReadOnlyList<string> NeedDockerEngine { get; } = ["BaseImage", "Images", "Push", "Lab", "Test"];
}
