using McastLab.Pipeline.Core;
using System.Text;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// The committed build block (builds.pkr.hcl) run for real by `packer build`: its provisioners as they are,
/// with Packer's null builder in place of the VM, connecting over SSH to an sshd this test starts. The
/// scripts list is only a probe that checks what a VM would see and runs none of the real scripts (they
/// would install Docker and kubelet here): the scripts as a folder, the variables, sudo through
/// execute_command. `packer validate` cannot see transfer and dispatch mistakes; this does.
/// </summary>
public sealed partial class PackerBuildBlockTests
{
    private const string Probe = "mcastlab-probe.sh";
    private const string Passed = "mcastlab-probe: all checks passed";

    public static TheoryData<string, string> VarFiles() => new()
    {
        { "centos7", "Docker" },
        { "centos7", "K8s" },
        { "rocky9", "Docker" },
        { "rocky9", "K8s" },
    };

    [Theory]
    [MemberData(nameof(VarFiles))]
    public async Task The_build_block_delivers_the_scripts_as_a_folder_with_the_variables_and_runs_them_as_root_through_sudo(string os, string role)
    {
        var missing = SshTestHost.Missing();
        Assert.SkipWhen(missing is not null, missing ?? "");
        using var scratch = BoxTestContext.Scratch();
        await using var host = await SshTestHost.StartAsync(TestContext.Current.CancellationToken);

        var result = await BuildAsync(scratch, host, os, Enum.Parse<BoxRole>(role));

        Assert.True(result.ExitCode == 0 && result.StandardOutput.Contains(Passed, StringComparison.Ordinal),
            $"packer build of the build block failed:\n{result.StandardOutput}{result.StandardError}");
    }

    [Fact]
    public async Task Without_the_step_that_makes_the_folder_the_probe_finds_the_scripts_as_one_file()
    {
        var missing = SshTestHost.Missing();
        Assert.SkipWhen(missing is not null, missing ?? "");
        using var scratch = BoxTestContext.Scratch();
        await using var host = await SshTestHost.StartAsync(TestContext.Current.CancellationToken);
        var builds = Path.Combine(scratch.Root, "packer", "templates", "builds.pkr.hcl");
        var withoutFolder = MakeFolderStep().Replace(File.ReadAllText(builds), "");
        Assert.NotEqual(File.ReadAllText(builds), withoutFolder);
        File.WriteAllText(builds, withoutFolder);

        var result = await BuildAsync(scratch, host, "centos7", BoxRole.Docker);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("/tmp/mcastlab-scripts is not a folder", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs the scratch copy's build block with the arguments the pipeline passes for this box, the build's
    /// source swapped for the null builder and the scripts list replaced by the probe.
    /// </summary>
    private static async Task<ProcessResult> BuildAsync(ScratchRepository scratch, SshTestHost host, string os, BoxRole role)
    {
        var parameters = scratch.Parameters(("box-os", os));
        var boxes = parameters.Boxes;
        var layout = scratch.Layout(parameters);
        var templates = layout.TemplatesDirectory;

        var builds = Path.Combine(templates, "builds.pkr.hcl");
        var text = File.ReadAllText(builds);
        const string committedSource = "sources = [\"source.vagrant.box\"]";
        Assert.Single(Regex.Matches(text, Regex.Escape(committedSource)));
        File.WriteAllText(builds, text.Replace(committedSource, "sources = [\"source.null.probe\"]", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(templates, "probe-source.pkr.hcl"), host.NullSource("probe"));
        File.WriteAllText(Path.Combine(layout.ScriptsDirectory, Probe),
            ProbeScript(Directory.EnumerateFiles(layout.ScriptsDirectory).Where(f => Path.GetFileName(f) != Probe).ToList(), os, boxes));

        var dockerBox = Path.Combine(scratch.Root, "docker.box");
        File.WriteAllText(dockerBox, "stand-in for the docker box");
        BoxSource source = role == BoxRole.Docker ? new BoxSource.Catalog(boxes.Pins.BaseBoxVersion) : new BoxSource.File(dockerBox, Sha256.OfFile(dockerBox));
        var arguments = new PackerArguments(layout, boxes).Build(role, templates, source).ToList();
        arguments.InsertRange(arguments.Count - 1, ["-var", $"scripts=[\"{Probe}\"]"]);

        return await BoxTestContext.Runner().RunAsync("packer", arguments,
            new ProcessOptions { AllowFailure = true, WorkingDirectory = scratch.Root, Timeout = TimeSpan.FromMinutes(3) },
            TestContext.Current.CancellationToken);
    }

    /// <summary>A script that checks, on the host Packer provisions, what the committed provisioners promise the real scripts.</summary>
    private static string ProbeScript(IReadOnlyList<string> scripts, string os, BoxSettings boxes)
    {
        var text = new StringBuilder("""
            #!/usr/bin/env bash
            # Written by PackerBuildBlockTests: checks what the real provisioning scripts rely on, then stops.
            set -euo pipefail
            fail() { echo "mcastlab-probe: $*" >&2; exit 1; }
            folder=/tmp/mcastlab-scripts
            [[ -d ${folder} ]] || fail "${folder} is not a folder: $(ls -ld "${folder}" 2>&1)"
            [[ ${MCASTLAB_SCRIPTS:-} == "${folder}" ]] || fail "MCASTLAB_SCRIPTS is '${MCASTLAB_SCRIPTS:-}'"
            [[ $(id -u) == 0 ]] || fail "runs as $(id -un), not root"
            [[ -n ${SUDO_COMMAND:-} ]] || fail "execute_command did not go through sudo"

            """);
        foreach (var script in scripts)
        {
            var name = Path.GetFileName(script);
            text.Append($"[[ -f ${{folder}}/{name} ]] || fail \"{name} is missing from ${{folder}}\"\n");
            text.Append($"echo '{Sha256.OfFile(script)}  '\"${{folder}}/{name}\" | sha256sum --quiet -c - || fail \"{name} arrived changed\"\n");
        }
        foreach (var (name, expected) in new[] { ("MCASTLAB_OS", os), ("MCASTLAB_DOCKER_CE_VERSION", boxes.Pins.DockerCe), ("MCASTLAB_CONTAINERD_IO_VERSION", boxes.Pins.ContainerdIo), ("MCASTLAB_KUBERNETES_MINOR", boxes.Pins.KubernetesMinor) })
        {
            text.Append($"[[ ${{{name}:-}} == '{expected}' ]] || fail \"{name} is '${{{name}:-}}', not {expected}\"\n");
        }
        text.Append("""
            # shellcheck source=/dev/null
            . "${MCASTLAB_SCRIPTS}/common.sh" || fail "common.sh does not source"
            declare -F write_file package_tool require mcastlab_os >/dev/null || fail "common.sh defined not all its functions"
            echo "mcastlab-probe: all checks passed"

            """);
        return text.ToString();
    }

    [GeneratedRegex(@"\n[ \t]*provisioner ""shell"" \{\s*inline\s*=\s*\[""mkdir -p /tmp/mcastlab-scripts""\]\s*\}\n")]
    private static partial Regex MakeFolderStep();
}
