using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Vagrant;

/// <summary>
/// --lab-backend=vagrant: the cluster backend on the two-VM lab LabUp started (its kubeconfig in artifacts/lab/),
/// with mcastsrc as the outside sender, the images copied onto the VMs, and its pinned Multus installed. The
/// Vagrant side (Boxes) is known here only, so Lab/Cluster stays a backend for any cluster.
/// </summary>
public static class VagrantBackend
{
    public static ClusterLab Create(ProcessRunner runner, IBuildLog log, BuildParameters parameters, LabRunId run)
    {
        var artifacts = parameters.Layout;
        if (!File.Exists(artifacts.Kubeconfig))
        {
            throw new PipelineException($"The cluster's kubeconfig {artifacts.Kubeconfig} is missing; start the two-VM lab with ./build.sh LabUp and run again.");
        }
        var vagrant = new VagrantLab(runner, log, new BoxLayout(parameters.RepositoryRoot, parameters.Boxes), parameters);
        // Its kubeconfig (one context) is the cluster's admin: it makes the lab's namespace when missing.
        return ClusterLab.On(artifacts.Kubeconfig, new VagrantHosts(runner, log, vagrant, artifacts), log, parameters,
            parameters.Cluster with { InstallMultus = true, KubeContext = null }, run, createMissingNamespace: true);
    }
}

/// <summary>The lab's VMs through `vagrant upload` and `vagrant ssh` in Vagrant/.</summary>
public sealed class VagrantHosts(ProcessRunner runner, IBuildLog log, VagrantLab vagrant, ArtifactsLayout artifacts) : IClusterHosts
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

    /// <summary>The walkthrough's `iperf -c 224.0.67.67 -u --ttl 5 -t 5 -B 10.0.0.12`, in the image on mcastsrc's host network.</summary>
    public async Task<ContainerOutcome> SendAsync(string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var command = ShellWords.Join(["sudo", "docker", "run", "--rm", "--network", "host", "--entrypoint", program, image, .. arguments]);
        var result = await runner.RunAsync("vagrant", VagrantArguments.Ssh(vagrant.Machines.Mcastsrc.Name, command), vagrant.Options(), cancellationToken);
        return new ContainerOutcome(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public async Task<ContainerOutcome> ReceiveAsync(string name, string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var command = ShellWords.Join(["sudo", "docker", "run", "--rm", "--network", "host", "--name", name, "--entrypoint", program, image, .. arguments]);
        // Its exit code is the verdict's to read (mcast recv exits 1 when it missed datagrams): never an error here.
        var result = await runner.RunAsync("vagrant", VagrantArguments.Ssh(vagrant.Machines.Mcastsrc.Name, command), vagrant.Options() with { AllowFailure = true }, cancellationToken);
        return new ContainerOutcome(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public async Task StopReceiverAsync(string name, CancellationToken cancellationToken)
    {
        // `docker stop` sends SIGTERM and waits; the receiver's report still flows through its own ssh session.
        // A container already gone (it ended by itself, --rm removed it) is no error.
        var command = ShellWords.Join(["sudo", "docker", "stop", "--time", "10", name]) + " >/dev/null 2>&1 || true";
        await runner.RunAsync("vagrant", VagrantArguments.Ssh(vagrant.Machines.Mcastsrc.Name, command), vagrant.Options(), cancellationToken);
    }

    private async Task UploadAndRunAsync(string archive, string machine, string command, CancellationToken cancellationToken)
    {
        await runner.RunAsync("vagrant", VagrantArguments.Upload(archive, RemoteArchive, machine), vagrant.Options(), cancellationToken);
        await runner.RunAsync("vagrant", VagrantArguments.Ssh(machine, $"{command} && rm -f {RemoteArchive}"), vagrant.Options(), cancellationToken);
    }
}
