using k8s;
using k8s.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Installs Multus from its pinned release manifest (downloaded and sha256-checked by PinnedDownload, its
/// moving `:snapshot` image pinned by MultusManifest): every document server-side applied, then its
/// DaemonSet's rollout waited for.
/// </summary>
public sealed class MultusInstaller(IKubernetes client, PinnedDownload download, ClusterAddonPins addons, IBuildLog log, TimeSpan rolloutTimeout)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    public async Task InstallAsync(CancellationToken cancellationToken = default)
    {
        var manifest = await MultusManifest.FetchAsync(download, addons, cancellationToken);
        var apply = new ServerSideApply(client);
        var daemonSets = new List<AppliedObject>();
        foreach (var document in YamlDocuments.Parse(manifest))
        {
            var applied = await apply.ApplyAsync(document, "kube-system", cancellationToken);
            if (applied.Kind.Kind == "DaemonSet") daemonSets.Add(applied);
        }
        if (daemonSets.Count == 0)
        {
            throw new PipelineException($"The Multus manifest {addons.Multus.Url} has no DaemonSet; check multus-manifest-url in mcastlab.json.");
        }
        foreach (var daemonSet in daemonSets) await WaitForRolloutAsync(daemonSet, cancellationToken);
    }

    private async Task WaitForRolloutAsync(AppliedObject daemonSet, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + rolloutTimeout;
        var state = "not read yet";
        V1DaemonSet? current = null;
        while (DateTime.UtcNow < deadline)
        {
            current = await client.AppsV1.ReadNamespacedDaemonSetAsync(daemonSet.Name, daemonSet.Namespace, cancellationToken: cancellationToken);
            var status = current.Status;
            var desired = status?.DesiredNumberScheduled ?? 0;
            state = $"{status?.NumberReady ?? 0} of {desired} ready, {status?.UpdatedNumberScheduled ?? 0} updated";
            if (desired > 0 && status!.NumberReady == desired && status.UpdatedNumberScheduled == desired
                && (status.ObservedGeneration ?? 0) >= (current.Metadata.Generation ?? 0))
            {
                log.Information($"Multus {addons.Multus.Version} rolled out: DaemonSet {daemonSet.Namespace}/{daemonSet.Name} {state}.");
                return;
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
        // Say why, from the pods: an OOM-killed or crash-looping daemon, an image that does not pull.
        var pods = current is null ? "" : $"; not ready: {await new UnreadyPods(client).DescribeAsync(current, cancellationToken)}";
        throw new PipelineException($"Multus' DaemonSet {daemonSet.Namespace}/{daemonSet.Name} did not roll out within {rolloutTimeout.TotalSeconds:0} s ({state}{pods}); look at 'kubectl -n {daemonSet.Namespace} describe daemonset {daemonSet.Name}' and its pods.");
    }
}
