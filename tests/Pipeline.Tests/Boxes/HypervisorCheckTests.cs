using System.Net;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

public sealed class HypervisorCheckTests : IDisposable
{
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("mcastlab-hypervisor-");

    public void Dispose() => scratch.Delete(recursive: true);

    [Fact]
    public void Boxes_on_a_host_without_VirtualBox_or_libvirt_stops_with_one_sentence()
    {
        var check = Check(programs: [], provider: "virtualbox");

        var error = Assert.Throws<PipelineException>(() => check.Ensure(["Prerequisites", "DockerBox", "K8sBox", "RegisterBoxes", "Boxes"]));

        Assert.Equal("Boxes boots VMs, which needs VirtualBox or libvirt, and neither VBoxManage nor virsh is installed here; install one of them (see README, 'Boxes and the two-VM lab') and run again.", error.Message);
    }

    [Fact]
    public void Targets_that_boot_no_VM_pass_without_a_hypervisor()
    {
        Check(programs: [], provider: "virtualbox").Ensure(["Prerequisites", "Compile", "Test"]);
    }

    [Fact]
    public void The_other_provider_is_named_when_only_it_is_installed()
    {
        var error = Assert.Throws<PipelineException>(() => Check(programs: ["virsh"], provider: "virtualbox").Ensure(["DockerBox"]));

        Assert.Contains("run again with --box-provider=libvirt", error.Message, StringComparison.Ordinal);
        Check(programs: ["virsh"], provider: "libvirt").Ensure(["DockerBox", "LabUp"]);
    }

    [Fact]
    public void LabUp_on_VirtualBox_needs_networks_conf_to_allow_the_labs_subnet()
    {
        var conf = Path.Combine(scratch.FullName, "networks.conf");
        var check = Check(programs: ["VBoxManage"], provider: "virtualbox", networksConf: conf);

        // No file: VirtualBox allows only 192.168.56.0/21.
        var error = Assert.Throws<PipelineException>(() => check.Ensure(["Boxes", "LabUp"]));
        Assert.Equal($"VirtualBox allows host-only networks only in 192.168.56.0/21 unless {conf} lists others, and the lab's 10.0.0.0/24 is not listed; add the line '* 10.0.0.0/24' to {conf} (as root) and run again.", error.Message);
        check.Ensure(["Boxes"]);

        File.WriteAllText(conf, "* 192.168.56.0/21\n");
        Assert.Throws<PipelineException>(() => check.Ensure(["LabUp"]));

        File.WriteAllText(conf, "# lab\n* 10.0.0.0/8 192.168.56.0/21\n");
        check.Ensure(["LabUp"]);
    }

    [Fact]
    public void A_subnet_inside_VirtualBoxs_default_range_needs_no_networks_conf()
    {
        var check = new HypervisorCheck(Locator(["VBoxManage"]), BoxTestContext.Parameters().Boxes, IPNetwork.Parse("192.168.57.0/24"), Path.Combine(scratch.FullName, "absent.conf"));

        Assert.True(check.HostOnlyAllowed());
    }

    private HypervisorCheck Check(string[] programs, string provider, string? networksConf = null) =>
        new(Locator(programs), BoxTestContext.Parameters(("box-provider", provider)).Boxes, IPNetwork.Parse("10.0.0.0/24"),
            networksConf ?? Path.Combine(scratch.FullName, "absent.conf"));

    private ProgramLocator Locator(string[] programs)
    {
        var bin = Directory.CreateDirectory(Path.Combine(scratch.FullName, "bin-" + string.Join('-', programs)));
        foreach (var program in programs)
        {
            var path = Path.Combine(bin.FullName, program);
            File.WriteAllText(path, "#!/bin/sh\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        return new ProgramLocator(bin.FullName);
    }
}
