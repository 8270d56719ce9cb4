using System.Globalization;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>What the cluster backend does on the lab's VMs rather than through the Kubernetes API.</summary>
public interface IClusterHosts
{
    /// <summary>Puts the images under test on every node and on mcastsrc (no registry is reachable from the VMs).</summary>
    Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken);

    /// <summary>Runs the walkthrough's sender on mcastsrc and returns its exit code and output (the verdict reads its count).</summary>
    Task<ContainerOutcome> SendAsync(string iperfImage, LabSettings lab, CancellationToken cancellationToken);
}

/// <summary>The lab's VMs through `vagrant upload` and `vagrant ssh` in Vagrant/.</summary>
public sealed partial class VagrantHosts(ProcessRunner runner, IBuildLog log, VagrantLab vagrant, ArtifactsLayout artifacts) : IClusterHosts
{
    private const string RemoteArchive = "/tmp/mcastlab-images.tar";

    public async Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(artifacts.Lab);
        var archive = Path.Combine(artifacts.Lab, "images.tar");
        try
        {
            log.Information($"Saving {string.Join(", ", images)} for the VMs.");
            await runner.RunAsync("docker", ["save", "-o", archive, .. images], cancellationToken: cancellationToken);
            foreach (var node in vagrant.Machines.Nodes)
            {
                await UploadAndRunAsync(archive, node.Name, $"sudo ctr -n k8s.io images import {RemoteArchive}", cancellationToken);
            }
            await UploadAndRunAsync(archive, vagrant.Machines.Mcastsrc.Name, $"sudo docker load -i {RemoteArchive}", cancellationToken);
        }
        finally
        {
            File.Delete(archive);
        }
    }

    public async Task<ContainerOutcome> SendAsync(string iperfImage, LabSettings lab, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync("vagrant", VagrantArguments.Ssh(vagrant.Machines.Mcastsrc.Name, SenderCommand(iperfImage, lab)), vagrant.Options(), cancellationToken);
        return new ContainerOutcome(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    /// <summary>The walkthrough's `iperf -c 224.0.67.67 -u --ttl 5 -t 5 -B 10.0.0.12` in the iperf image on the host network.</summary>
    public static string SenderCommand(string iperfImage, LabSettings lab) => ShellWords.Join(
    [
        "sudo", "docker", "run", "--rm", "--network", "host", "--entrypoint", "iperf", iperfImage,
        "-c", lab.Group.ToString(), "-p", lab.Port.ToString(CultureInfo.InvariantCulture), "-u",
        "--ttl", lab.Ttl.ToString(CultureInfo.InvariantCulture), "-t", lab.DurationSeconds.ToString(CultureInfo.InvariantCulture),
        "-b", lab.Rate, "-B", lab.McastsrcAddress.ToString(),
    ]);

    private async Task UploadAndRunAsync(string archive, string machine, string command, CancellationToken cancellationToken)
    {
        await runner.RunAsync("vagrant", VagrantArguments.Upload(archive, RemoteArchive, machine), vagrant.Options(), cancellationToken);
        await runner.RunAsync("vagrant", VagrantArguments.Ssh(machine, $"{command} && rm -f {RemoteArchive}"), vagrant.Options(), cancellationToken);
    }
}
