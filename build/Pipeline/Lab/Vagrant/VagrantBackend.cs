using k8s;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
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
        var download = new PinnedDownload(new HttpClient(), log, artifacts.LabDownloads);
        return new ClusterLab(ClusterLab.Client(KubernetesClientConfiguration.BuildConfigFromConfigFile(artifacts.Kubeconfig)), download, parameters.ClusterAddons,
            parameters.Images, new VagrantHosts(runner, log, vagrant, artifacts), log, parameters.Cluster with { InstallMultus = true }, run)
        {
            // Its kubeconfig is the cluster's admin: it makes the lab's namespace when missing.
            CreateMissingNamespace = true,
        };
    }
}
