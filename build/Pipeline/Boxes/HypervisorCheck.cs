using System.Net;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// Stops, before anything long starts, when the targets need VMs and this host cannot run them with the
/// chosen provider. VirtualBox: a Vagrant that knows this VirtualBox (Vagrant refuses versions newer than
/// its driver table), and for the lab's host-only network on VirtualBox 6.1.28 and newer, which allow only
/// 192.168.56.0/21 unless /etc/vbox/networks.conf lists more, a networks.conf that lists the subnet.
/// libvirt: virsh and the vagrant-libvirt plugin, and for building boxes what `vagrant package` runs there
/// (virt-sysprep and virt-sparsify from libguestfs-tools, qemu-img).
/// </summary>
public sealed partial class HypervisorCheck(ProcessRunner runner, BoxSettings boxes, IPNetwork subnet, string networksConf = HypervisorCheck.NetworksConf)
{
    public const string NetworksConf = "/etc/vbox/networks.conf";

    /// <summary>Targets that boot a VM (Packer's build VMs, or the lab's).</summary>
    public static IReadOnlyList<string> NeedVms { get; } = ["DockerBox", "K8sBox", "Boxes", "LabUp"];

    /// <summary>Targets that package a box (`vagrant package` in Packer's vagrant builder).</summary>
    public static IReadOnlyList<string> PackageBoxes { get; } = ["DockerBox", "K8sBox", "Boxes"];

    /// <summary>Targets that put a host-only network on the lab's subnet.</summary>
    public static IReadOnlyList<string> NeedLabNetwork { get; } = ["LabUp"];

    /// <summary>VirtualBox releases and the first Vagrant whose VirtualBox driver table has them (plugins/providers/virtualbox/driver/meta.rb).</summary>
    public static IReadOnlyList<(Version VirtualBox, Version Vagrant)> VagrantForVirtualBox { get; } =
    [
        (new Version(6, 1), new Version(2, 2, 7)),
        (new Version(7, 0), new Version(2, 3, 2)),
        (new Version(7, 1), new Version(2, 4, 2)),
        (new Version(7, 2), new Version(2, 4, 9)),
    ];

    /// <summary>The first VirtualBox that allows host-only networks only in 192.168.56.0/21 without networks.conf.</summary>
    public static readonly Version RestrictsHostOnly = new(6, 1, 28);

    private static readonly IPNetwork VirtualBoxDefault = IPNetwork.Parse("192.168.56.0/21");

    /// <summary>What packaging a libvirt box runs, with the Debian package that brings it.</summary>
    private static readonly (string Program, string Package)[] LibvirtPackaging =
        [("virt-sysprep", "libguestfs-tools"), ("virt-sparsify", "libguestfs-tools"), ("qemu-img", "qemu-utils")];

    public async Task EnsureAsync(IReadOnlyCollection<string> targets, CancellationToken cancellationToken = default)
    {
        if (!targets.Any(t => NeedVms.Contains(t, StringComparer.OrdinalIgnoreCase))) return;
        var locator = runner.Locator;
        var virtualBox = locator.Find("VBoxManage") ?? locator.Find("vboxmanage");
        var libvirt = locator.Find("virsh");
        // The closure lists dependencies first: its last VM target is the one that was asked for.
        var requested = targets.Last(t => NeedVms.Contains(t, StringComparer.OrdinalIgnoreCase));
        if (virtualBox is null && libvirt is null)
        {
            throw new PipelineException($"{requested} boots VMs, which needs VirtualBox or libvirt, and neither VBoxManage nor virsh is installed here; install one of them (see README, 'Boxes and the two-VM lab') and run again.");
        }
        if (boxes.Provider == BoxProvider.Virtualbox)
        {
            if (virtualBox is null)
            {
                throw new PipelineException("--box-provider is virtualbox but VBoxManage is not installed, while libvirt is; run again with --box-provider=libvirt or install VirtualBox.");
            }
            await EnsureVirtualBoxAsync(virtualBox, targets, cancellationToken);
        }
        else
        {
            if (libvirt is null)
            {
                throw new PipelineException("--box-provider is libvirt but virsh is not installed, while VirtualBox is; run again with --box-provider=virtualbox or install libvirt and the vagrant-libvirt plugin.");
            }
            await EnsureLibvirtAsync(targets, cancellationToken);
        }
    }

    private async Task EnsureVirtualBoxAsync(string virtualBox, IReadOnlyCollection<string> targets, CancellationToken cancellationToken)
    {
        var version = ParseVersion((await runner.RunAsync(virtualBox, ["--version"], Quiet(), cancellationToken)).StandardOutput)
            ?? throw new PipelineException($"{virtualBox} --version printed no version; check the VirtualBox installation and run again.");
        if (runner.Locator.Find("vagrant") is not null)
        {
            var vagrant = ParseVersion((await runner.RunAsync("vagrant", VagrantArguments.Version(), Quiet(), cancellationToken)).StandardOutput);
            var needed = VagrantForVirtualBox.FirstOrDefault(v => v.VirtualBox.Major == version.Major && v.VirtualBox.Minor == version.Minor).Vagrant;
            if (vagrant is not null && needed is not null && vagrant < needed)
            {
                throw new PipelineException($"VirtualBox {version.Major}.{version.Minor} needs Vagrant {needed} or newer, and this is Vagrant {vagrant}, which refuses it; install a newer Vagrant (or a VirtualBox it knows) and run again.");
            }
        }
        if (targets.Any(t => NeedLabNetwork.Contains(t, StringComparer.OrdinalIgnoreCase)) && version >= RestrictsHostOnly && !HostOnlyAllowed())
        {
            throw new PipelineException($"VirtualBox allows host-only networks only in 192.168.56.0/21 unless {networksConf} lists others, and the lab's {subnet} is not listed; add the line '* {subnet}' to {networksConf} (as root) and run again.");
        }
    }

    private async Task EnsureLibvirtAsync(IReadOnlyCollection<string> targets, CancellationToken cancellationToken)
    {
        if (runner.Locator.Find("vagrant") is not null)
        {
            var plugins = await runner.RunAsync("vagrant", ["plugin", "list"], Quiet(), cancellationToken);
            if (!plugins.StandardOutput.Split('\n').Any(line => line.TrimStart().StartsWith("vagrant-libvirt ", StringComparison.Ordinal)))
            {
                throw new PipelineException("--box-provider is libvirt but Vagrant has no vagrant-libvirt plugin; install it (apt-get install vagrant-libvirt, or vagrant plugin install vagrant-libvirt) and run again.");
            }
        }
        if (!targets.Any(t => PackageBoxes.Contains(t, StringComparer.OrdinalIgnoreCase))) return;
        var missing = LibvirtPackaging.Where(p => runner.Locator.Find(p.Program) is null).ToList();
        if (missing.Count > 0)
        {
            throw new PipelineException($"Packaging a libvirt box runs virt-sysprep, virt-sparsify and qemu-img, and {string.Join(", ", missing.Select(m => m.Program))} is missing here; install {string.Join(" ", missing.Select(m => m.Package).Distinct())} and run again.");
        }
    }

    /// <summary>True when the subnet lies inside VirtualBox's default range or a range networks.conf lists.</summary>
    public bool HostOnlyAllowed()
    {
        var allowed = new List<IPNetwork>();
        if (File.Exists(networksConf))
        {
            foreach (var line in File.ReadAllLines(networksConf).Select(l => l.Trim()).Where(l => l.StartsWith('*')))
            {
                foreach (var word in line[1..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                {
                    if (IPNetwork.TryParse(word, out var network)) allowed.Add(network);
                }
            }
        }
        else
        {
            allowed.Add(VirtualBoxDefault);
        }
        return allowed.Any(range => range.BaseAddress.AddressFamily == subnet.BaseAddress.AddressFamily
            && range.PrefixLength <= subnet.PrefixLength && range.Contains(subnet.BaseAddress));
    }

    /// <summary>The first dotted version in a tool's output: "7.1.4r165100" (VBoxManage), "Vagrant 2.3.4".</summary>
    public static Version? ParseVersion(string output) =>
        DottedVersion().Match(output) is { Success: true } match ? Version.Parse(match.Value) : null;

    private static ProcessOptions Quiet() => new() { Quiet = true, Timeout = TimeSpan.FromSeconds(60) };

    [GeneratedRegex(@"\d+\.\d+(\.\d+)?")]
    private static partial Regex DottedVersion();
}
