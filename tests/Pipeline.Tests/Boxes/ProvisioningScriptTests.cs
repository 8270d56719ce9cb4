using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>The provisioning scripts through the real shellcheck, and the rules every one of them keeps.</summary>
public sealed class ProvisioningScriptTests
{
    private static readonly string Scripts = Path.Combine(BoxTestContext.RepositoryRoot, "packer", "scripts");

    public static TheoryData<string> ScriptNames() => new(Directory.EnumerateFiles(Scripts, "*.sh").Select(Path.GetFileName).OfType<string>().Order());

    [Theory]
    [MemberData(nameof(ScriptNames))]
    public async Task Shellcheck_finds_nothing_in_the_script(string script)
    {
        Assert.SkipUnless(BoxTestContext.Has("shellcheck"), "shellcheck is not installed");

        var result = await BoxTestContext.Runner().RunAsync("shellcheck", ["-x", "-s", "bash", script],
            new ProcessOptions { AllowFailure = true, WorkingDirectory = Scripts }, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, $"shellcheck {script}:\n{result.StandardOutput}{result.StandardError}");
    }

    [Theory]
    [MemberData(nameof(ScriptNames))]
    public void Every_script_that_runs_stops_at_its_first_error(string script)
    {
        var text = File.ReadAllText(Path.Combine(Scripts, script));
        if (IsLibrary(script))
        {
            Assert.DoesNotContain("#!/", text, StringComparison.Ordinal);
            return;
        }
        Assert.StartsWith("#!/usr/bin/env bash\n", text, StringComparison.Ordinal);
        Assert.Contains("\nset -euo pipefail\n", text, StringComparison.Ordinal);
    }

    /// <summary>A library is sourced by other scripts (". …/name"), never run: it has no #! and sets no shell options.</summary>
    private static bool IsLibrary(string script) =>
        Directory.EnumerateFiles(Scripts, "*.sh").Any(file => File.ReadLines(file).Any(line => line.StartsWith(". ", StringComparison.Ordinal) && line.Contains($"/{script}\"", StringComparison.Ordinal)));

    [Fact]
    public void The_first_boot_scripts_source_their_library_where_the_k8s_box_installs_it()
    {
        var kubernetes = File.ReadAllText(Path.Combine(Scripts, "kubernetes.sh"));
        Assert.Contains("\"${MCASTLAB_SCRIPTS:-/tmp/mcastlab-scripts}/kubeadm-node.sh\" /usr/local/lib/mcastlab/kubeadm-node.sh\n", kubernetes, StringComparison.Ordinal);
        foreach (var script in new[] { "cluster-init.sh", "cluster-join.sh" })
        {
            Assert.Contains("\n. \"${MCASTLAB_LIB:-/usr/local/lib/mcastlab}/kubeadm-node.sh\"\n", File.ReadAllText(Path.Combine(Scripts, script)), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("centos7", "init --ignore-preflight-errors=SystemVerification --node-name k8s --cri-socket unix:///run/containerd/containerd.sock")]
    [InlineData("rocky9", "init --node-name k8s --cri-socket unix:///run/containerd/containerd.sock")]
    [InlineData(null, "init --node-name k8s --cri-socket unix:///run/containerd/containerd.sock")]
    public async Task Kubeadm_runs_against_containerd_and_skips_the_preflight_checks_the_OS_var_file_names(string? os, string expected)
    {
        Assert.SkipUnless(BoxTestContext.Has("bash"), "bash is not installed");
        using var tools = new FakeTools();
        tools.Write("kubeadm", "#!/bin/sh\necho \"$*\"\n");
        if (os is not null)
        {
            // What kubernetes.sh writes beside kubeadm-node.sh from the k8s var file's kubeadm_ignore_preflight_errors.
            var ignored = VarFileValue(os, "k8s", "kubeadm_ignore_preflight_errors") ?? "";
            await File.WriteAllTextAsync(Path.Combine(tools.Directory, "kubeadm-node.env"), $"MCASTLAB_KUBEADM_IGNORE_PREFLIGHT_ERRORS={ignored}\n", TestContext.Current.CancellationToken);
        }
        var script = $"PATH='{tools.Directory}':$PATH; MCASTLAB_LIB='{tools.Directory}'; . '{Path.Combine(Scripts, "kubeadm-node.sh")}'; kubeadm_node init --node-name k8s";

        var result = await BoxTestContext.Runner().RunAsync("bash", ["-euo", "pipefail", "-c", script], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(expected, result.StandardOutput.Trim());
    }

    [Theory]
    [InlineData("ID=\"centos\"\nVERSION_ID=\"7\"\n", "centos7", "centos:7", true)]
    [InlineData("ID=\"rocky\"\nVERSION_ID=\"9.5\"\n", "rocky9", "rocky:9", true)]
    [InlineData("ID=\"rocky\"\nVERSION_ID=\"9.5\"\n", "centos7", "centos:7", false)]
    [InlineData("ID=\"debian\"\nVERSION_ID=\"12\"\n", "rocky9", "rocky:9", false)]
    public async Task The_scripts_run_only_on_the_system_the_var_file_names(string osRelease, string os, string releaseId, bool runs)
    {
        Assert.SkipUnless(BoxTestContext.Has("bash"), "bash is not installed");
        using var tools = new FakeTools();
        var release = Path.Combine(tools.Directory, "os-release");
        await File.WriteAllTextAsync(release, osRelease, TestContext.Current.CancellationToken);
        var script = $"MCASTLAB_OS={os} MCASTLAB_OS_RELEASE_ID={releaseId} MCASTLAB_OS_RELEASE='{release}'; . '{Path.Combine(Scripts, "common.sh")}'; mcastlab_os";

        var result = await BoxTestContext.Runner().RunAsync("bash", ["-euo", "pipefail", "-c", script], new ProcessOptions { AllowFailure = true }, TestContext.Current.CancellationToken);

        Assert.Equal(runs, result.ExitCode == 0);
        Assert.Equal(runs ? os : "", result.StandardOutput.Trim());
        if (!runs) Assert.Contains($"the var file says {os} ({releaseId}) but the source box runs", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("podman,buildah,runc", "podman|buildah|runc")]
    [InlineData("", "")]
    public async Task A_list_from_a_var_file_arrives_as_one_item_a_line(string value, string expected)
    {
        Assert.SkipUnless(BoxTestContext.Has("bash"), "bash is not installed");
        var script = $"MCASTLAB_REMOVE_PACKAGES='{value}'; . '{Path.Combine(Scripts, "common.sh")}'; list_items MCASTLAB_REMOVE_PACKAGES | paste -sd '|'";

        var result = await BoxTestContext.Runner().RunAsync("bash", ["-euo", "pipefail", "-c", script], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(expected, result.StandardOutput.Trim());
    }

    /// <summary>A string value of a var file (key = "value"), or null when the file does not set it.</summary>
    private static string? VarFileValue(string os, string box, string key)
    {
        var line = File.ReadLines(Path.Combine(BoxTestContext.RepositoryRoot, "packer", "vars", os, box + ".pkrvars.hcl"))
            .FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal));
        return line?[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim().Trim('"');
    }

    [Fact]
    public void Every_script_a_var_file_names_exists()
    {
        var varFiles = Directory.EnumerateFiles(Path.Combine(BoxTestContext.RepositoryRoot, "packer", "vars"), "*.pkrvars.hcl", SearchOption.AllDirectories).ToList();
        Assert.Equal(4, varFiles.Count);
        foreach (var file in varFiles)
        {
            var line = File.ReadAllLines(file).Single(l => l.StartsWith("scripts", StringComparison.Ordinal));
            var names = line[(line.IndexOf('[', StringComparison.Ordinal) + 1)..line.IndexOf(']', StringComparison.Ordinal)]
                .Split(',', StringSplitOptions.TrimEntries).Select(n => n.Trim('"'));
            Assert.All(names, name => Assert.True(File.Exists(Path.Combine(Scripts, name)), $"{file} names {name}, which is not in packer/scripts"));
        }
    }

    [Fact]
    public async Task The_write_file_function_changes_a_file_only_when_its_content_differs()
    {
        Assert.SkipUnless(BoxTestContext.Has("bash"), "bash is not installed");
        var scratch = Directory.CreateTempSubdirectory("mcastlab-script-");
        try
        {
            var target = Path.Combine(scratch.FullName, "etc", "example.conf");
            var script = $". '{Path.Combine(Scripts, "common.sh")}'\n" +
                         $"write_file '{target}' 0644 <<<'one'; echo \"first=$MCASTLAB_CHANGED\"\n" +
                         $"write_file '{target}' 0644 <<<'one'; echo \"again=$MCASTLAB_CHANGED\"\n" +
                         $"write_file '{target}' 0644 <<<'two'; echo \"changed=$MCASTLAB_CHANGED\"\n";

            var result = await BoxTestContext.Runner().RunAsync("bash", ["-euo", "pipefail", "-c", script], cancellationToken: TestContext.Current.CancellationToken);

            Assert.Contains("first=yes", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("again=no", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("changed=yes", result.StandardOutput, StringComparison.Ordinal);
            Assert.Equal("two\n", await File.ReadAllTextAsync(target, TestContext.Current.CancellationToken));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("curl tcpdump", "")]
    [InlineData("curl", "tcpdump")]
    [InlineData("tcpdump", "curl")]
    [InlineData("", "curl tcpdump")]
    public async Task Only_the_tools_that_are_missing_are_installed_so_curl_minimal_is_left_alone(string present, string expected)
    {
        Assert.SkipUnless(BoxTestContext.Has("bash"), "bash is not installed");
        var bin = Directory.CreateTempSubdirectory("mcastlab-tools-");
        try
        {
            // Stand-ins for the tools the system has (EL9's curl-minimal provides a curl command).
            foreach (var tool in present.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var path = Path.Combine(bin.FullName, tool);
                File.WriteAllText(path, "#!/bin/sh\n");
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var script = $"PATH='{bin.FullName}'; . '{Path.Combine(Scripts, "common.sh")}'; missing_tool_packages";

            var result = await BoxTestContext.Runner().RunAsync("bash", ["-euo", "pipefail", "-c", script], cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(expected, result.StandardOutput.Trim());
        }
        finally
        {
            bin.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_sandbox_image_of_containerds_default_config_becomes_kubeadms_pause_image()
    {
        Assert.SkipUnless(BoxTestContext.Has("containerd"), "containerd is not installed (docker.io brings it)");
        var scratch = Directory.CreateTempSubdirectory("mcastlab-containerd-");
        try
        {
            // The real default config of this containerd (1.6 on Debian 12, as docker.io installs it).
            var config = Path.Combine(scratch.FullName, "config.toml");
            var defaults = await BoxTestContext.Runner().RunAsync("containerd", ["config", "default"], new ProcessOptions { Quiet = true }, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(config, defaults.StandardOutput, TestContext.Current.CancellationToken);
            Assert.Matches("sandbox_image = \"[^\"]+/pause:", defaults.StandardOutput);
            var script = $". '{Path.Combine(Scripts, "common.sh")}'\n" +
                         $"set_sandbox_image '{config}' registry.k8s.io/pause:3.10; echo \"first=$MCASTLAB_CHANGED\"\n" +
                         $"set_sandbox_image '{config}' registry.k8s.io/pause:3.10; echo \"again=$MCASTLAB_CHANGED\"\n";

            var result = await BoxTestContext.Runner().RunAsync("bash", ["-euo", "pipefail", "-c", script], cancellationToken: TestContext.Current.CancellationToken);

            Assert.Contains("first=yes", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("again=no", result.StandardOutput, StringComparison.Ordinal);
            var written = await File.ReadAllLinesAsync(config, TestContext.Current.CancellationToken);
            Assert.Equal("    sandbox_image = \"registry.k8s.io/pause:3.10\"", Assert.Single(written, l => l.Contains("sandbox_image", StringComparison.Ordinal)));
            Assert.Equal(defaults.StandardOutput.Split('\n').Length, written.Length + 1);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_k8s_box_pins_containerd_and_installs_kubeadms_pause_image_before_pulling()
    {
        var docker = File.ReadAllText(Path.Combine(Scripts, "docker.sh"));
        Assert.Contains("\"containerd.io-${containerd_version}\"", docker, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"install[^\n]* containerd\.io\s*$", docker);
        var kubernetes = File.ReadAllText(Path.Combine(Scripts, "kubernetes.sh"));
        Assert.True(kubernetes.IndexOf("set_sandbox_image", StringComparison.Ordinal) is var set and > 0 && set < kubernetes.IndexOf("kubeadm config images pull", StringComparison.Ordinal));
    }

    [Fact]
    public void The_vagrant_users_kube_folder_is_made_as_theirs_before_the_kubeconfig_goes_in()
    {
        var init = File.ReadAllText(Path.Combine(Scripts, "cluster-init.sh"));
        var folder = init.IndexOf("install -d -o vagrant -g vagrant -m 0700 /home/vagrant/.kube\n", StringComparison.Ordinal);
        Assert.True(folder > 0 && folder < init.IndexOf("/home/vagrant/.kube/config", StringComparison.Ordinal));
        Assert.DoesNotContain("install -D", init, StringComparison.Ordinal);
    }
}
