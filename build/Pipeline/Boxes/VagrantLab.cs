using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// The two-VM lab: Vagrant/machines.json for the parameters, `vagrant up` in Vagrant/ (the k8s node makes
/// its cluster at first boot), then the cluster's kubeconfig from the k8s node into artifacts/lab/kubeconfig
/// with its server on the segment address, so the pipeline reaches the API server from this host.
/// </summary>
public sealed partial class VagrantLab(ProcessRunner runner, IBuildLog log, BoxLayout layout, BuildParameters parameters)
{
    private readonly VagrantArguments vagrant = VagrantArguments.From(parameters);
    private readonly LabMachines machines = LabMachines.From(parameters);

    /// <summary>The machines this lab writes into Vagrant/machines.json and brings up.</summary>
    public LabMachines Machines => machines;

    public ProcessOptions Options(ProcessOptions? options = null) => (options ?? new ProcessOptions()) with
    {
        WorkingDirectory = layout.VagrantDirectory,
    };

    /// <summary>
    /// Writes the machines of these parameters first (an unchanged file stays untouched), so a later plain
    /// `vagrant ssh` or `vagrant destroy` in Vagrant/ sees the same machines.
    /// </summary>
    public async Task<string> UpAsync(CancellationToken cancellationToken = default)
    {
        new ManifestWriter(log, layout.RepositoryRoot).Write([machines.File()]);
        log.Information($"Starting the lab on {layout.Provider}: {string.Join(", ", machines.All.Select(m => $"{m.Name} ({m.Address})"))}.");
        await runner.RunAsync("vagrant", vagrant.Up(), Options(), cancellationToken);
        return await FetchKubeconfigAsync(cancellationToken);
    }

    /// <summary>Copies ~vagrant/.kube/config from the k8s node with scp (never through the log: it holds a client key).</summary>
    public async Task<string> FetchKubeconfigAsync(CancellationToken cancellationToken = default)
    {
        var sshConfig = await runner.RunAsync("vagrant", VagrantArguments.SshConfig(machines.K8s.Name), Options(new ProcessOptions { Quiet = true }), cancellationToken);
        var ssh = SshEndpoint.Parse(sshConfig.StandardOutput);
        Directory.CreateDirectory(parameters.Layout.Lab);
        var copy = parameters.Layout.Kubeconfig + ".download";
        try
        {
            await runner.RunAsync("scp", ssh.ScpArguments(".kube/config", copy), new ProcessOptions { Quiet = true }, cancellationToken);
            var text = WithServer(await File.ReadAllTextAsync(copy, cancellationToken), Server);
            await File.WriteAllTextAsync(parameters.Layout.Kubeconfig, text, cancellationToken);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(parameters.Layout.Kubeconfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        finally
        {
            File.Delete(copy);
        }
        log.Information($"The cluster's kubeconfig is {parameters.Layout.Kubeconfig} (server {Server}); try: kubectl --kubeconfig {parameters.Layout.Kubeconfig} get nodes");
        return parameters.Layout.Kubeconfig;
    }

    private string Server => $"https://{machines.ControlPlane}";

    /// <summary>Points every cluster of a kubeconfig at the given server.</summary>
    public static string WithServer(string kubeconfig, string server)
    {
        if (!ServerLine().IsMatch(kubeconfig))
        {
            throw new PipelineException("The kubeconfig from the k8s node names no server; run 'vagrant provision' in Vagrant/ and run again.");
        }
        return ServerLine().Replace(kubeconfig, m => m.Groups[1].Value + server);
    }

    [GeneratedRegex(@"^(\s*server:\s*).*$", RegexOptions.Multiline)]
    private static partial Regex ServerLine();
}
