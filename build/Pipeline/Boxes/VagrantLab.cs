using System.Text.RegularExpressions;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// The two-VM lab: `vagrant up` in Vagrant/ (the k8s node makes its cluster at first boot), then the
/// cluster's kubeconfig from the k8s node into artifacts/lab/kubeconfig with its server on the segment
/// address, so the pipeline reaches the API server from this host.
/// </summary>
public sealed partial class VagrantLab(ProcessRunner runner, IBuildLog log, BoxLayout layout, BuildParameters parameters)
{
    private readonly VagrantArguments vagrant = VagrantArguments.From(parameters);
    private readonly BoxSettings boxes = parameters.Boxes;
    private readonly LabSettings lab = parameters.Lab;

    public ProcessOptions Options(ProcessOptions? options = null) => (options ?? new ProcessOptions()) with
    {
        WorkingDirectory = layout.VagrantDirectory,
        Environment = vagrant.Environment(Path.Combine(layout.RepositoryRoot, ParametersFile.FileName)),
    };

    public async Task<string> UpAsync(CancellationToken cancellationToken = default)
    {
        log.Information($"Starting the lab: {boxes.K8sHost} ({lab.K8sAddress}), {boxes.McastsrcHost} ({lab.McastsrcAddress}) and {boxes.Workers} worker(s) on {layout.Provider}.");
        await runner.RunAsync("vagrant", vagrant.Up(), Options(), cancellationToken);
        return await FetchKubeconfigAsync(cancellationToken);
    }

    /// <summary>Copies ~vagrant/.kube/config from the k8s node with scp (never through the log: it holds a client key).</summary>
    public async Task<string> FetchKubeconfigAsync(CancellationToken cancellationToken = default)
    {
        var sshConfig = await runner.RunAsync("vagrant", VagrantArguments.SshConfig(boxes.K8sHost), Options(new ProcessOptions { Quiet = true }), cancellationToken);
        var ssh = SshEndpoint.Parse(sshConfig.StandardOutput);
        Directory.CreateDirectory(layout.LabDirectory);
        var copy = layout.Kubeconfig + ".download";
        try
        {
            await runner.RunAsync("scp", ssh.ScpArguments(".kube/config", copy), new ProcessOptions { Quiet = true }, cancellationToken);
            var text = WithServer(await File.ReadAllTextAsync(copy, cancellationToken), $"https://{lab.K8sAddress}:6443");
            await File.WriteAllTextAsync(layout.Kubeconfig, text, cancellationToken);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(layout.Kubeconfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        finally
        {
            File.Delete(copy);
        }
        log.Information($"The cluster's kubeconfig is {layout.Kubeconfig} (server https://{lab.K8sAddress}:6443); try: kubectl --kubeconfig {layout.Kubeconfig} get nodes");
        return layout.Kubeconfig;
    }

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
