using McastLab.Pipeline.Core;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// What Packer's build VM boots: the real Packer 1.6.6 runs the real templates and writes the real
/// Vagrantfile; a stand-in vagrant (FakeVagrantBoxes) keeps the installed boxes and decides, by Vagrant's
/// rules, which box and version that Vagrantfile boots.
/// </summary>
public sealed class BuildVmBoxTests
{
    private static readonly DateTimeOffset BuildTime = new(2026, 12, 2, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_changed_docker_box_is_the_one_the_k8s_build_boots_and_its_registration_is_removed_afterwards()
    {
        Assert.SkipUnless(BoxTestContext.Has("packer") && BoxTestContext.Has("ruby"), "packer or ruby (vagrant's) is not installed");
        using var scratch = BoxTestContext.Scratch();
        using var tools = VagrantStandIn();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);

        var first = WriteDockerBox(layout, parameters.Boxes, "docker box, first build");
        await BuildUntilBootAsync(tools, layout, parameters.Boxes, BoxRole.K8s);
        var firstName = BuildVmBox.Name("k8s-centos7", first);
        Assert.Equal($"{firstName} 0: docker box, first build", FakeVagrantBoxes.Booted(tools));
        Assert.Contains($"box add {firstName} {layout.BoxFile(BoxRole.Docker)} --force --provider virtualbox", tools.Calls("vagrant"));
        Assert.Empty(FakeVagrantBoxes.Installed(tools));

        var second = WriteDockerBox(layout, parameters.Boxes, "docker box, second build");
        await BuildUntilBootAsync(tools, layout, parameters.Boxes, BoxRole.K8s);

        Assert.Equal($"{BuildVmBox.Name("k8s-centos7", second)} 0: docker box, second build", FakeVagrantBoxes.Booted(tools));
        Assert.Contains($"box remove --force --all --provider virtualbox {BuildVmBox.Name("k8s-centos7", second)}", tools.Calls("vagrant"));
        Assert.Empty(FakeVagrantBoxes.Installed(tools));
    }

    [Fact]
    public async Task With_Packers_own_Vagrantfile_the_second_k8s_build_boots_the_first_docker_box()
    {
        Assert.SkipUnless(BoxTestContext.Has("packer") && BoxTestContext.Has("ruby"), "packer or ruby (vagrant's) is not installed");
        using var scratch = BoxTestContext.Scratch();
        using var tools = VagrantStandIn();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);
        WithoutOurVagrantfile(layout);

        WriteDockerBox(layout, parameters.Boxes, "docker box, first build");
        await BuildUntilBootAsync(tools, layout, parameters.Boxes, BoxRole.K8s);
        WriteDockerBox(layout, parameters.Boxes, "docker box, second build");
        await BuildUntilBootAsync(tools, layout, parameters.Boxes, BoxRole.K8s);

        Assert.EndsWith(": docker box, first build", FakeVagrantBoxes.Booted(tools), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_build_VM_boots_the_pinned_base_box_version_even_when_a_newer_one_is_installed(bool ourVagrantfile)
    {
        Assert.SkipUnless(BoxTestContext.Has("packer") && BoxTestContext.Has("ruby"), "packer or ruby (vagrant's) is not installed");
        using var scratch = BoxTestContext.Scratch();
        using var tools = VagrantStandIn();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);
        if (!ourVagrantfile) WithoutOurVagrantfile(layout);
        FakeVagrantBoxes.Install(tools, "centos/7", "2999.01", "catalog centos/7 2999.01");

        await BuildUntilBootAsync(tools, layout, parameters.Boxes, BoxRole.Docker);

        Assert.Equal("2004.01", parameters.Boxes.Pins.BaseBoxVersion);
        var expected = ourVagrantfile ? "centos/7 2004.01: catalog centos/7 2004.01" : "centos/7 2999.01: catalog centos/7 2999.01";
        Assert.Equal(expected, FakeVagrantBoxes.Booted(tools));
    }

    [Fact]
    public async Task The_k8s_box_built_by_hand_boots_the_registered_docker_box_without_asking_the_catalog()
    {
        Assert.SkipUnless(BoxTestContext.Has("packer") && BoxTestContext.Has("ruby"), "packer or ruby (vagrant's) is not installed");
        using var scratch = BoxTestContext.Scratch();
        using var tools = VagrantStandIn();
        FakeVagrantBoxes.Install(tools, "docker-centos7", "20261202.100000", "registered docker-centos7");

        var result = await PackerByHandAsync(scratch, tools, "centos7/k8s.pkrvars.hcl");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal("docker-centos7 20261202.100000: registered docker-centos7", FakeVagrantBoxes.Booted(tools));
        Assert.DoesNotContain(tools.Calls("vagrant"), c => c.StartsWith("box add", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_base_box_without_a_pinned_version_stops_before_booting()
    {
        Assert.SkipUnless(BoxTestContext.Has("packer") && BoxTestContext.Has("ruby"), "packer or ruby (vagrant's) is not installed");
        using var scratch = BoxTestContext.Scratch();
        using var tools = VagrantStandIn();

        // Packer 1.6.6 ignores vagrant's exit status (the vagrant plugin 1.1 does not): vagrant's error
        // shows in Packer's log only.
        var result = await PackerByHandAsync(scratch, tools, "rocky9/docker.pkrvars.hcl", packerLog: true);

        Assert.NotEqual(0, result.ExitCode);
        Assert.True((result.StandardOutput + result.StandardError).Contains("the base box rockylinux/9 has no pinned version", StringComparison.Ordinal), result.StandardOutput + result.StandardError);
        Assert.False(File.Exists(Path.Combine(tools.Directory, "booted")));
    }

    [Fact]
    public async Task On_libvirt_the_boxs_volumes_leave_the_storage_pool_with_it_and_no_other_volume_does()
    {
        using var tools = new FakeTools();
        var name = BuildVmBox.Name("k8s-rocky9", new string('a', 64));
        // virsh vol-list's table (name, path), with the volumes vagrant-libvirt names after a box.
        tools.Write("virsh", $"""
            #!/usr/bin/env bash
            printf '%s\n' "$*" >>"$(dirname "$0")/virsh.calls"
            if [[ $3 == vol-list ]]; then
              echo ' Name                                              Path'
              echo '---------------------------------------------------------------------------------'
              echo ' {name}_vagrant_box_image_0_box.img   /var/lib/libvirt/images/{name}_vagrant_box_image_0_box.img'
              echo ' mcastlab-k8s-rocky9-from-bbbbbbbbbbbbbbbb_vagrant_box_image_0_box.img   /var/lib/libvirt/images/other.img'
              echo ' mcastlab_k8s.img                                  /var/lib/libvirt/images/mcastlab_k8s.img'
            fi
            """);

        await new BuildVmBox(BoxTestContext.Runner(tools.Locator), new CapturingLog(), "libvirt").RemoveAsync(name, TestContext.Current.CancellationToken);

        Assert.Equal([$"box remove --force --all --provider libvirt {name}"], tools.Calls("vagrant"));
        Assert.Equal(
            ["-c qemu:///system vol-list --pool default", $"-c qemu:///system vol-delete --pool default {name}_vagrant_box_image_0_box.img"],
            tools.Calls("virsh"));
    }

    /// <summary>The stand-in vagrant, and the real packer started with the stand-in first on its PATH.</summary>
    private static FakeTools VagrantStandIn()
    {
        var tools = new FakeTools();
        var packer = new ProgramLocator().Find("packer")!;
        tools.Write("packer", $"#!/bin/sh\nPATH=\"$(dirname \"$0\"):$PATH\" exec '{packer}' \"$@\"");
        tools.Write("vagrant", FakeVagrantBoxes.Script);
        return tools;
    }

    /// <summary>Packer's default Vagrantfile, as the templates had it before build-vm.Vagrantfile.</summary>
    private static void WithoutOurVagrantfile(BoxLayout layout)
    {
        var sources = Path.Combine(layout.TemplatesDirectory, "sources.pkr.hcl");
        var lines = File.ReadAllLines(sources);
        var kept = lines.Where(l => !l.TrimStart().StartsWith("template ", StringComparison.Ordinal)
            && !l.TrimStart().StartsWith("box_name ", StringComparison.Ordinal)
            && !l.TrimStart().StartsWith("skip_add ", StringComparison.Ordinal)).ToList();
        Assert.Equal(lines.Length - 3, kept.Count);
        File.WriteAllLines(sources, kept);
    }

    private static string WriteDockerBox(BoxLayout layout, BoxSettings boxes, string content)
    {
        var file = layout.BoxFile(BoxRole.Docker);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        var sha256 = Sha256.OfFile(file);
        new BoxMetadata
        {
            Name = boxes.BoxName(BoxRole.Docker), Version = "1", Provider = layout.Provider, Os = "centos7",
            BoxFile = Path.GetFileName(file), Size = new FileInfo(file).Length, Sha256 = sha256, BuildTime = BuildTime,
            BuildSeconds = 1, GitRevision = "test", PackerVersion = "1.6.6", VagrantVersion = "Vagrant 2.3.4",
            SourceBox = "centos/7", SourceBoxVersion = "2004.01", InputHash = "test",
        }.Write(layout.MetadataFile(BoxRole.Docker));
        return sha256;
    }

    /// <summary>The pipeline's build of one box, which ends when the stand-in vagrant has decided what it boots.</summary>
    private static async Task BuildUntilBootAsync(FakeTools tools, BoxLayout layout, BoxSettings boxes, BoxRole role)
    {
        var builder = new BoxBuilder(BoxTestContext.Runner(tools.Locator), new CapturingLog(), layout, boxes, () => BuildTime);
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => builder.BuildAsync(role, TestContext.Current.CancellationToken));
        Assert.Contains("packer", error.Message, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> PackerByHandAsync(ScratchRepository scratch, FakeTools tools, string varFile, bool packerLog = false) =>
        BoxTestContext.Runner(tools.Locator).RunAsync("packer",
            ["build", "-color=false", "-var-file=" + Path.Combine(scratch.Root, "packer", "vars", varFile), "."],
            new ProcessOptions
            {
                AllowFailure = true,
                WorkingDirectory = Path.Combine(scratch.Root, "packer", "templates"),
                Environment = new Dictionary<string, string?> { ["PACKER_LOG"] = packerLog ? "1" : null },
            },
            TestContext.Current.CancellationToken);
}
