using McastLab.Pipeline.Core;
using McastLab.Pipeline.Prerequisites;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Prerequisites;

/// <summary>Detection and installation against a PATH of fake programs (fake apt-get, docker, start-stop-daemon).</summary>
public sealed class PrerequisiteCheckerTests : IDisposable
{
    private readonly TemporaryDirectory bin = new();
    private readonly CapturingLog log = new();
    private static readonly HostFacts RootOnDebian = new(IsRoot: true, IsDebianLike: true, HasSystemd: false);

    private IReadOnlyList<Requirement> Catalog => [
        new("iperf", "iperf", ["-v"]),
        new("packer", "packer", ["version"]),
        new("macvlan", "containernetworking-plugins", []) { Directories = [Path.Combine(bin.Path, "cni")] },
    ];

    public PrerequisiteCheckerTests()
    {
        // iperf prints its version on stderr and exits 1, as the real one does.
        bin.Program("iperf", "echo 'iperf version 2.1.8 (12 August 2022) pthreads' >&2; exit 1");
        bin.Program("cni/macvlan", "echo 'CNI macvlan plugin v1.1.1' >&2");
        // apt-get records its calls and "installs" packer by writing it into the fake PATH.
        bin.Program("apt-get", $"echo \"$*\" >> '{bin.Path}/apt.log'; " +
            $"case \"$*\" in *install*packer*) printf '#!/bin/sh\\necho Packer v1.6.6\\n' > '{bin.Path}/packer'; chmod +x '{bin.Path}/packer';; esac");
    }

    private PrerequisiteChecker Checker(HostFacts host) =>
        new(new ProcessRunner(log, new SecretMasker(), new ProgramLocator(bin.Path)), log, host, Catalog);

    private string AptLog => File.Exists(Path.Combine(bin.Path, "apt.log")) ? File.ReadAllText(Path.Combine(bin.Path, "apt.log")) : "";

    [Fact]
    public async Task Reports_what_it_found_with_versions_and_only_for_the_requested_programs()
    {
        var findings = await Checker(RootOnDebian).EnsureAsync(["macvlan", "iperf"], TestContext.Current.CancellationToken);
        Assert.Equal(["iperf", "macvlan"], findings.Select(f => f.Requirement.Program));
        Assert.Equal("iperf version 2.1.8 (12 August 2022) pthreads", findings[0].Version);
        Assert.Equal("CNI macvlan plugin v1.1.1", findings[1].Version);
        Assert.Equal(Path.Combine(bin.Path, "cni", "macvlan"), findings[1].Location);
        Assert.Equal("", AptLog);
    }

    [Fact]
    public async Task As_root_on_Debian_installs_what_is_missing_and_a_second_run_changes_nothing()
    {
        var findings = await Checker(RootOnDebian).EnsureAsync(["packer"], TestContext.Current.CancellationToken);
        Assert.Equal("update -q\ninstall -y -q --no-install-recommends packer\n", AptLog);
        Assert.Equal("Packer v1.6.6", Assert.Single(findings).Version);
        Assert.Contains(log.Lines, l => l.StartsWith("Missing packer: installing packer with apt-get.", StringComparison.Ordinal));

        await Checker(RootOnDebian).EnsureAsync(["packer"], TestContext.Current.CancellationToken);
        Assert.Equal("update -q\ninstall -y -q --no-install-recommends packer\n", AptLog);
    }

    [Fact]
    public async Task Without_root_it_stops_with_the_apt_get_command()
    {
        var error = await Assert.ThrowsAsync<PipelineException>(() =>
            Checker(RootOnDebian with { IsRoot = false }).EnsureAsync(["packer", "iperf", "macvlan"], TestContext.Current.CancellationToken));
        Assert.Equal("Missing packer; install them with 'sudo apt-get install -y packer' and run again.", error.Message);
        Assert.Equal("", AptLog);
    }

    [Fact]
    public async Task Off_Debian_it_names_the_packages_to_install()
    {
        var error = await Assert.ThrowsAsync<PipelineException>(() =>
            Checker(RootOnDebian with { IsDebianLike = false }).EnsureAsync(["packer"], TestContext.Current.CancellationToken));
        Assert.StartsWith("Missing packer; install the packages packer with your system's package manager", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_install_that_does_not_bring_the_program_fails_clearly()
    {
        File.Delete(Path.Combine(bin.Path, "cni", "macvlan"));
        var error = await Assert.ThrowsAsync<PipelineException>(() => Checker(RootOnDebian).EnsureAsync(["iperf", "macvlan"], TestContext.Current.CancellationToken));
        Assert.Equal("apt-get finished but macvlan still cannot be found; check the apt-get output above.", error.Message);
        Assert.Contains("containernetworking-plugins", AptLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alone_it_prepares_the_main_job_and_otherwise_the_requested_target_with_its_dependencies()
    {
        var graph = new McastLab.Pipeline.Graph.TargetGraph([
            new("Prerequisites", "", []), new("Lab", "", ["Prerequisites"]) { Needs = ["iperf", "macvlan"] },
            new("Boxes", "", ["Prerequisites"]) { Needs = ["packer"] }, new("All", "", ["Boxes"]),
        ]);
        var alone = await Checker(RootOnDebian).EnsureForAsync("Prerequisites", graph, TestContext.Current.CancellationToken);
        Assert.Equal(["iperf", "macvlan"], alone.Select(f => f.Requirement.Program));
        var all = await Checker(RootOnDebian).EnsureForAsync("All", graph, TestContext.Current.CancellationToken);
        Assert.Equal(["packer"], all.Select(f => f.Requirement.Program));
    }

    [Fact]
    public async Task On_a_machine_with_only_a_docker_client_it_installs_the_engine_and_starts_it()
    {
        var started = Path.Combine(bin.Path, "started");
        bin.Program("docker", $"[ -f '{started}' ] && echo 20.10.24 && exit 0; exit 1");
        bin.Program("apt-get", $"echo \"$*\" >> '{bin.Path}/apt.log'; " +
            $"case \"$*\" in *install*docker.io*) printf '#!/bin/sh\\necho Docker version 20.10.24\\n' > '{bin.Path}/dockerd'; chmod +x '{bin.Path}/dockerd';; esac");
        bin.Program("start-stop-daemon", $"touch '{started}'");
        IReadOnlyList<Requirement> catalog = [new("dockerd", "docker.io", ["--version"])];
        var checker = new PrerequisiteChecker(new ProcessRunner(log, new SecretMasker(), new ProgramLocator(bin.Path)), log, RootOnDebian, catalog);

        await checker.EnsureAsync(["dockerd"], TestContext.Current.CancellationToken);
        Assert.Equal("update -q\ninstall -y -q --no-install-recommends docker.io\n", AptLog);
        Assert.Contains("  docker engine    20.10.24", log.Lines);

        // A second run finds the engine answering and changes nothing.
        await checker.EnsureAsync(["dockerd"], TestContext.Current.CancellationToken);
        Assert.Equal("update -q\ninstall -y -q --no-install-recommends docker.io\n", AptLog);
    }

    [Fact]
    public async Task As_a_dependency_it_says_in_one_line_what_was_found_and_alone_it_lists_each_version()
    {
        var graph = new McastLab.Pipeline.Graph.TargetGraph([new("Prerequisites", "", []), new("Lab", "", ["Prerequisites"]) { Needs = ["iperf", "macvlan"] }]);

        await Checker(RootOnDebian).EnsureForAsync("Lab", graph, TestContext.Current.CancellationToken);
        Assert.Equal(["Lab needs iperf, macvlan: all there ('./build.sh Prerequisites' lists their versions)."], log.At("information"));
        Assert.Contains(log.At("verbose"), l => l.StartsWith("  iperf            iperf version 2.1.8", StringComparison.Ordinal));

        var alone = new CapturingLog();
        await new PrerequisiteChecker(new ProcessRunner(alone, new SecretMasker(), new ProgramLocator(bin.Path)), alone, RootOnDebian, Catalog)
            .EnsureForAsync("Prerequisites", graph, TestContext.Current.CancellationToken);
        Assert.Equal("Checking what Lab needs:", alone.At("information").First());
        Assert.Contains(alone.At("information"), l => l.StartsWith("  iperf            iperf version 2.1.8", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ID=debian\nVERSION_ID=\"12\"", true)]
    [InlineData("ID=ubuntu\nID_LIKE=debian", true)]
    [InlineData("ID=linuxmint\nID_LIKE=\"ubuntu debian\"", true)]
    [InlineData("ID=fedora\nID_LIKE=\"rhel centos\"", false)]
    [InlineData("", false)]
    public void Recognises_the_Debian_family(string osRelease, bool expected) =>
        Assert.Equal(expected, HostFacts.IsDebianFamily(osRelease));

    [Fact]
    public async Task A_renamed_target_keeps_its_prerequisites_because_it_declares_them_itself()
    {
        // The same graph as build.cake's Lab, with the target renamed: what it needs moves with it.
        var renamed = new McastLab.Pipeline.Graph.TargetGraph([
            new("Prerequisites", "", []), new("Verify", "", ["Prerequisites"]) { Needs = ["iperf", "macvlan"] },
        ]);
        var findings = await Checker(RootOnDebian).EnsureForAsync("Verify", renamed, TestContext.Current.CancellationToken);
        Assert.Equal(["iperf", "macvlan"], findings.Select(f => f.Requirement.Program));
        Assert.Equal(["Verify needs iperf, macvlan: all there ('./build.sh Prerequisites' lists their versions)."], log.At("information"));
    }

    [Fact]
    public async Task A_target_naming_a_program_the_catalog_does_not_know_stops_with_the_name()
    {
        var graph = new McastLab.Pipeline.Graph.TargetGraph([new("Lab", "", []) { Needs = ["iperf", "ipref"] }]);
        var error = await Assert.ThrowsAsync<PipelineException>(() => Checker(RootOnDebian).EnsureForAsync("Lab", graph, TestContext.Current.CancellationToken));
        Assert.Equal("A target needs ipref, which the prerequisite catalog does not list; add it to PrerequisiteCatalog.All or fix the name in build/build.cake.", error.Message);
        Assert.Equal("", AptLog);
    }

    /// <summary>
    /// A repository with an npm project pinning a tool, a fake npm whose `ci` "installs" it as npm does
    /// (node_modules/.bin and node_modules/.package-lock.json) and an apt-get that brings that npm.
    /// </summary>
    private (PrerequisiteChecker Checker, string Project, string NpmLog) PinnedTool(bool npmPresent)
    {
        var project = Path.Combine(bin.Path, "repo", ".ci", "lint");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "package-lock.json"), "{}");
        var npmLog = Path.Combine(bin.Path, "npm.log");
        var npm = $"#!/bin/sh\n[ \"$1\" = ci ] || {{ echo 10.9.2; exit 0; }}\necho \"$*\" >> '{npmLog}'\n" +
            "mkdir -p \"$3/node_modules/.bin\" && printf '#!/bin/sh\\n' > \"$3/node_modules/.bin/lint-tool\" && chmod +x \"$3/node_modules/.bin/lint-tool\" && cp \"$3/package-lock.json\" \"$3/node_modules/.package-lock.json\"\n";
        File.WriteAllText(Path.Combine(bin.Path, "npm.script"), npm);
        if (npmPresent) bin.Program("npm", $"sh '{bin.Path}/npm.script' \"$@\"");
        bin.Program("apt-get", $"echo \"$*\" >> '{bin.Path}/apt.log'; " +
            $"case \"$*\" in *install*npm*) cp '{bin.Path}/npm.script' '{bin.Path}/npm'; chmod +x '{bin.Path}/npm';; esac");
        IReadOnlyList<Requirement> catalog = [new("npm", "npm", ["--version"]), new("lint-tool", "npm", []) { NpmProject = Path.Combine(".ci", "lint") }];
        var checker = new PrerequisiteChecker(new ProcessRunner(log, new SecretMasker(), new ProgramLocator(bin.Path)), log, RootOnDebian, catalog,
            repositoryRoot: Path.Combine(bin.Path, "repo"));
        return (checker, project, npmLog);
    }

    [Fact]
    public async Task A_program_a_committed_npm_lock_pins_is_installed_by_npm_ci_of_that_lock_and_once()
    {
        var (checker, project, npmLog) = PinnedTool(npmPresent: true);

        var findings = await checker.EnsureAsync(["lint-tool"], TestContext.Current.CancellationToken);
        Assert.Equal($"ci --prefix {project} --ignore-scripts --no-audit --no-fund\n", File.ReadAllText(npmLog));
        Assert.Equal(Path.Combine(project, "node_modules", ".bin", "lint-tool"), findings.Single(f => f.Requirement.Program == "lint-tool").Location);
        // An npm already there (nodesource's Node.js brings its own) is used: Debian's npm would conflict with it.
        Assert.Equal("", AptLog);

        await checker.EnsureAsync(["lint-tool"], TestContext.Current.CancellationToken);
        Assert.Single(File.ReadAllLines(npmLog));
    }

    [Fact]
    public async Task Without_npm_apt_brings_it_before_npm_ci_runs()
    {
        var (checker, project, npmLog) = PinnedTool(npmPresent: false);

        await checker.EnsureAsync(["lint-tool"], TestContext.Current.CancellationToken);
        Assert.Equal("update -q\ninstall -y -q --no-install-recommends npm\n", AptLog);
        Assert.Equal($"ci --prefix {project} --ignore-scripts --no-audit --no-fund\n", File.ReadAllText(npmLog));
    }

    [Fact]
    public async Task A_lock_changed_since_the_install_installs_again()
    {
        var (checker, project, npmLog) = PinnedTool(npmPresent: true);
        await checker.EnsureAsync(["lint-tool"], TestContext.Current.CancellationToken);
        // A pull that changes the pinned version: the lock is newer than what npm ci installed.
        File.SetLastWriteTimeUtc(Path.Combine(project, "node_modules", ".package-lock.json"), DateTime.UtcNow.AddHours(-1));

        await checker.EnsureAsync(["lint-tool"], TestContext.Current.CancellationToken);
        Assert.Equal(2, File.ReadAllLines(npmLog).Length);
    }

    [Fact]
    public async Task An_npm_ci_that_does_not_bring_the_program_fails_clearly()
    {
        var (checker, _, _) = PinnedTool(npmPresent: true);
        bin.Program("npm", "exit 0");
        var error = await Assert.ThrowsAsync<PipelineException>(() => checker.EnsureAsync(["lint-tool"], TestContext.Current.CancellationToken));
        Assert.Equal("npm ci finished but lint-tool still cannot be found; check the npm ci output above.", error.Message);
    }

    public void Dispose() => bin.Dispose();
}
