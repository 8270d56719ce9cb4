using System.Net;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// Stops, before anything long starts, when the targets need VMs and this host cannot run them: no
/// VirtualBox or libvirt for the chosen provider, or a VirtualBox that refuses the lab's host-only network
/// (VirtualBox 6.1.28 and newer allow only 192.168.56.0/21 unless /etc/vbox/networks.conf lists more).
/// </summary>
public sealed class HypervisorCheck(ProgramLocator locator, BoxSettings boxes, IPNetwork subnet, string networksConf = HypervisorCheck.NetworksConf)
{
    public const string NetworksConf = "/etc/vbox/networks.conf";

    /// <summary>Targets that boot a VM (Packer's build VMs, or the lab's).</summary>
    public static IReadOnlyList<string> NeedVms { get; } = ["DockerBox", "K8sBox", "Boxes", "LabUp"];

    /// <summary>Targets that put a host-only network on the lab's subnet.</summary>
    public static IReadOnlyList<string> NeedLabNetwork { get; } = ["LabUp"];

    private static readonly IPNetwork VirtualBoxDefault = IPNetwork.Parse("192.168.56.0/21");

    public void Ensure(IReadOnlyCollection<string> targets)
    {
        if (!targets.Any(t => NeedVms.Contains(t, StringComparer.OrdinalIgnoreCase))) return;
        var virtualBox = locator.Find("VBoxManage") ?? locator.Find("vboxmanage");
        var libvirt = locator.Find("virsh");
        // The closure lists dependencies first: its last VM target is the one that was asked for.
        var requested = targets.Last(t => NeedVms.Contains(t, StringComparer.OrdinalIgnoreCase));
        if (virtualBox is null && libvirt is null)
        {
            throw new PipelineException($"{requested} boots VMs, which needs VirtualBox or libvirt, and neither VBoxManage nor virsh is installed here; install one of them (see README, 'Boxes and the two-VM lab') and run again.");
        }
        if (boxes.Provider == BoxProvider.Virtualbox && virtualBox is null)
        {
            throw new PipelineException("--box-provider is virtualbox but VBoxManage is not installed, while libvirt is; run again with --box-provider=libvirt or install VirtualBox.");
        }
        if (boxes.Provider == BoxProvider.Libvirt && libvirt is null)
        {
            throw new PipelineException("--box-provider is libvirt but virsh is not installed, while VirtualBox is; run again with --box-provider=virtualbox or install libvirt and the vagrant-libvirt plugin.");
        }
        if (boxes.Provider == BoxProvider.Virtualbox && targets.Any(t => NeedLabNetwork.Contains(t, StringComparer.OrdinalIgnoreCase)) && !HostOnlyAllowed())
        {
            throw new PipelineException($"VirtualBox allows host-only networks only in 192.168.56.0/21 unless {networksConf} lists others, and the lab's {subnet} is not listed; add the line '* {subnet}' to {networksConf} (as root) and run again.");
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
}
