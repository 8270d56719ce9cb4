using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// The box Packer's build VM boots when a box derives from a box file (the k8s box from the docker box):
/// Packer registers the file with Vagrant under a name unique to its sha256 (build_vm_box in
/// packer/templates/variables.pkr.hcl), so a changed docker box can never be mistaken for an earlier one,
/// and the pipeline removes that registration after the build, with libvirt's copy in its storage pool.
/// </summary>
public sealed class BuildVmBox(ProcessRunner runner, IBuildLog log, string provider)
{
    /// <summary>vagrant-libvirt's storage pool, where it uploads every box it boots.</summary>
    public const string LibvirtPool = "default";

    /// <summary>Must match build_vm_box in variables.pkr.hcl (a test compares it with what Packer registers).</summary>
    public static string Name(string boxName, string sourceSha256) => $"mcastlab-{boxName}-from-{sourceSha256[..16]}";

    /// <summary>Removes the registration and, on libvirt, the box's volumes; a box that was never added is no error.</summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        var options = new ProcessOptions { Quiet = true, AllowFailure = true, Timeout = TimeSpan.FromMinutes(2) };
        var remove = await runner.RunAsync("vagrant", ["box", "remove", "--force", "--all", "--provider", provider, name], options, cancellationToken);
        if (remove.ExitCode != 0 && !(remove.StandardOutput + remove.StandardError).Contains("could not be found", StringComparison.Ordinal))
        {
            log.Warning($"The build VM's box {name} could not be removed; remove it with 'vagrant box remove --all {name}'.");
        }
        if (provider != BoxSettings.ProviderName(BoxProvider.Libvirt) || runner.Locator.Find("virsh") is null) return;

        // vagrant-libvirt keeps an uploaded copy of each box it booted (NAME_vagrant_box_image_...), which
        // `vagrant box remove` leaves in the pool.
        var volumes = await runner.RunAsync("virsh", ["-c", "qemu:///system", "vol-list", "--pool", LibvirtPool], options, cancellationToken);
        var prefix = name.Replace("/", "-VAGRANTSLASH-", StringComparison.Ordinal) + "_vagrant_box_image_";
        foreach (var volume in volumes.StandardOutput.Split('\n').Select(l => l.Trim().Split(' ', 2)[0]).Where(v => v.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var deleted = await runner.RunAsync("virsh", ["-c", "qemu:///system", "vol-delete", "--pool", LibvirtPool, volume], options, cancellationToken);
            if (deleted.ExitCode != 0) log.Warning($"The build VM's volume {volume} stays in libvirt's pool {LibvirtPool}; remove it with 'virsh vol-delete --pool {LibvirtPool} {volume}'.");
        }
    }
}
