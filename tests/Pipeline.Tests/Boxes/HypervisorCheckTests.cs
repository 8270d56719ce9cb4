using System.Net;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// The hypervisor check with stand-ins for VBoxManage, virsh, vagrant and libvirt's packaging tools (none
/// of them can run a VM here). `vagrant plugin list` without plugins is Vagrant 2.3.4's output here;
/// the version lines are the formats of `VBoxManage --version` and `vagrant --version`.
/// </summary>
public sealed class HypervisorCheckTests : IDisposable
{
    private const string NoPlugins = "No plugins installed.";
    private const string LibvirtPlugin = "vagrant-libvirt (0.12.2, global)";
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("mcastlab-hypervisor-");

    public void Dispose() => scratch.Delete(recursive: true);

    [Fact]
    public async Task Boxes_on_a_host_without_VirtualBox_or_libvirt_stops_with_one_sentence()
    {
        var check = Check(new Host(), "virtualbox");

        var error = await Assert.ThrowsAsync<PipelineException>(() => check.EnsureAsync(["Prerequisites", "DockerBox", "K8sBox", "RegisterBoxes", "Boxes"], TestContext.Current.CancellationToken));

        Assert.Equal("Boxes boots VMs, which needs VirtualBox or libvirt, and neither VBoxManage nor virsh is installed here; install one of them (see README, 'Boxes and the two-VM lab') and run again.", error.Message);
    }

    [Fact]
    public async Task Targets_that_boot_no_VM_pass_without_a_hypervisor()
    {
        await Check(new Host(), "virtualbox").EnsureAsync(["Prerequisites", "Compile", "Test"], TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_other_provider_is_named_when_only_it_is_installed()
    {
        var libvirtHost = new Host { Virsh = true, Plugins = LibvirtPlugin, Packaging = true };

        var error = await Assert.ThrowsAsync<PipelineException>(() => Check(libvirtHost, "virtualbox").EnsureAsync(["DockerBox"], TestContext.Current.CancellationToken));

        Assert.Contains("run again with --box-provider=libvirt", error.Message, StringComparison.Ordinal);
        await Check(libvirtHost, "libvirt").EnsureAsync(["DockerBox", "LabUp"], TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("7.1.4r165100", "2.3.4", "VirtualBox 7.1 needs Vagrant 2.4.2 or newer, and this is Vagrant 2.3.4, which refuses it; install a newer Vagrant (or a VirtualBox it knows) and run again.")]
    [InlineData("7.2.0r168464", "2.4.3", "VirtualBox 7.2 needs Vagrant 2.4.9 or newer, and this is Vagrant 2.4.3, which refuses it; install a newer Vagrant (or a VirtualBox it knows) and run again.")]
    [InlineData("7.1.4r165100", "2.4.2", null)]
    [InlineData("7.0.20r163906", "2.3.4", null)]
    public async Task VirtualBox_needs_a_Vagrant_that_knows_its_version(string virtualBox, string vagrant, string? expected)
    {
        var check = Check(new Host { VirtualBox = virtualBox, Vagrant = vagrant }, "virtualbox");

        var error = await Record.ExceptionAsync(() => check.EnsureAsync(["Boxes"], TestContext.Current.CancellationToken));

        Assert.Equal(expected, error?.Message);
    }

    [Fact]
    public async Task LabUp_on_VirtualBox_6_1_28_or_newer_needs_networks_conf_to_allow_the_labs_subnet()
    {
        var conf = Path.Combine(scratch.FullName, "networks.conf");
        var check = Check(new Host { VirtualBox = "7.0.20r163906" }, "virtualbox", conf);

        // No file: VirtualBox allows only 192.168.56.0/21.
        var error = await Assert.ThrowsAsync<PipelineException>(() => check.EnsureAsync(["Boxes", "LabUp"], TestContext.Current.CancellationToken));
        Assert.Equal($"VirtualBox allows host-only networks only in 192.168.56.0/21 unless {conf} lists others, and the lab's 10.0.0.0/24 is not listed; add the line '* 10.0.0.0/24' to {conf} (as root) and run again.", error.Message);
        await check.EnsureAsync(["Boxes"], TestContext.Current.CancellationToken);

        File.WriteAllText(conf, "* 192.168.56.0/21\n");
        await Assert.ThrowsAsync<PipelineException>(() => check.EnsureAsync(["LabUp"], TestContext.Current.CancellationToken));

        File.WriteAllText(conf, "# lab\n* 10.0.0.0/8 192.168.56.0/21\n");
        await check.EnsureAsync(["LabUp"], TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("6.1.26r145957")]
    [InlineData("6.0.24r139119")]
    public async Task VirtualBox_older_than_6_1_28_needs_no_networks_conf(string virtualBox)
    {
        var check = Check(new Host { VirtualBox = virtualBox }, "virtualbox", Path.Combine(scratch.FullName, "absent.conf"));

        await check.EnsureAsync(["LabUp"], TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_subnet_inside_VirtualBoxs_default_range_needs_no_networks_conf()
    {
        var check = new HypervisorCheck(Runner(new Host { VirtualBox = "7.0.20r163906" }), BoxTestContext.Parameters().Boxes, IPNetwork.Parse("192.168.57.0/24"), Path.Combine(scratch.FullName, "absent.conf"));

        Assert.True(check.HostOnlyAllowed());
        await check.EnsureAsync(["LabUp"], TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Libvirt_without_the_vagrant_libvirt_plugin_stops_with_how_to_install_it()
    {
        var check = Check(new Host { Virsh = true, Plugins = NoPlugins, Packaging = true }, "libvirt");

        var error = await Assert.ThrowsAsync<PipelineException>(() => check.EnsureAsync(["LabUp"], TestContext.Current.CancellationToken));

        Assert.Equal("--box-provider is libvirt but Vagrant has no vagrant-libvirt plugin; install it (apt-get install vagrant-libvirt, or vagrant plugin install vagrant-libvirt) and run again.", error.Message);
    }

    [Fact]
    public async Task Building_libvirt_boxes_needs_what_vagrant_package_runs_there_and_the_lab_does_not()
    {
        var check = Check(new Host { Virsh = true, Plugins = LibvirtPlugin }, "libvirt");

        var error = await Assert.ThrowsAsync<PipelineException>(() => check.EnsureAsync(["DockerBox", "K8sBox", "Boxes"], TestContext.Current.CancellationToken));

        Assert.Equal("Packaging a libvirt box runs virt-sysprep, virt-sparsify and qemu-img, and virt-sysprep, virt-sparsify, qemu-img is missing here; install libguestfs-tools qemu-utils and run again.", error.Message);
        await check.EnsureAsync(["LabUp"], TestContext.Current.CancellationToken);
    }

    /// <summary>What the stand-in host has: null means not installed.</summary>
    private sealed record Host
    {
        public string? VirtualBox { get; init; }
        public bool Virsh { get; init; }
        public string Vagrant { get; init; } = "2.3.4";
        public string Plugins { get; init; } = NoPlugins;
        public bool Packaging { get; init; }
    }

    private HypervisorCheck Check(Host host, string provider, string? networksConf = null) =>
        new(Runner(host), BoxTestContext.Parameters(("box-provider", provider)).Boxes, IPNetwork.Parse("10.0.0.0/24"),
            networksConf ?? Path.Combine(scratch.FullName, "absent.conf"));

    private ProcessRunner Runner(Host host)
    {
        var bin = Directory.CreateDirectory(Path.Combine(scratch.FullName, "bin-" + Guid.NewGuid().ToString("N")));
        void Program(string name, string body)
        {
            var path = Path.Combine(bin.FullName, name);
            File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        if (host.VirtualBox is { } version) Program("VBoxManage", $"echo '{version}'");
        if (host.Virsh) Program("virsh", "exit 0");
        Program("vagrant", $"if [ \"$1\" = --version ]; then echo 'Vagrant {host.Vagrant}'; else echo '{host.Plugins}'; fi");
        if (host.Packaging)
        {
            foreach (var name in new[] { "virt-sysprep", "virt-sparsify", "qemu-img" }) Program(name, "exit 0");
        }
        return BoxTestContext.Runner(new ProgramLocator(bin.FullName));
    }
}
