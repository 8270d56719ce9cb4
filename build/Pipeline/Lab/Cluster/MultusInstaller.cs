using System.Text.Json.Nodes;
using k8s;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Installs Multus from its pinned release manifest: downloaded, its sha256 checked against the pin, the
/// `:snapshot` image the manifest names rewritten to the release tag, every document server-side applied,
/// then its DaemonSet's rollout waited for.
/// </summary>
public sealed class MultusInstaller(IKubernetes client, HttpClient http, IBuildLog log, ClusterSettings settings, Uri? manifestUrl = null)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private readonly Uri url = manifestUrl ?? settings.MultusManifestUrl;

    public async Task InstallAsync(CancellationToken cancellationToken = default)
    {
        var manifest = RewriteImage(await DownloadAsync(cancellationToken));
        var apply = new ServerSideApply(client);
        var daemonSets = new List<AppliedObject>();
        foreach (var document in YamlDocuments.Parse(manifest))
        {
            var applied = await apply.ApplyAsync(document, "kube-system", cancellationToken);
            if (applied.Kind.Kind == "DaemonSet") daemonSets.Add(applied);
        }
        if (daemonSets.Count == 0)
        {
            throw new PipelineException($"The Multus manifest {url} has no DaemonSet; check multus-version in mcastlab.json.");
        }
        foreach (var daemonSet in daemonSets) await WaitForRolloutAsync(daemonSet, cancellationToken);
    }

    /// <summary>The manifest text, after its sha256 matched the pin.</summary>
    public async Task<string> DownloadAsync(CancellationToken cancellationToken = default)
    {
        log.Information($"Downloading the Multus {settings.MultusVersion} manifest: {url}");
        byte[] bytes;
        try
        {
            bytes = await http.GetByteArrayAsync(url, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new PipelineException($"The Multus manifest {url} could not be downloaded ({e.Message}); check the network and multus-version in mcastlab.json.", e);
        }
        var actual = Sha256.OfBytes(bytes);
        if (settings.MultusManifestSha256 is null)
        {
            throw new PipelineException($"The Multus manifest {url} has sha256 {actual} but mcastlab.json pins none; read the file, then set \"multus-manifest-sha256\": \"{actual}\" in its versions section and run again.");
        }
        if (!string.Equals(actual, settings.MultusManifestSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new PipelineException($"The Multus manifest {url} has sha256 {actual}, not the pinned {settings.MultusManifestSha256}; it changed since it was pinned, so read it before pinning the new sum.");
        }
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Release manifests still name the moving `:snapshot` image; pin it to the release tag.</summary>
    public string RewriteImage(string manifest) =>
        manifest.Replace("multus-cni:snapshot", "multus-cni:" + settings.MultusVersion, StringComparison.Ordinal);

    private async Task WaitForRolloutAsync(AppliedObject daemonSet, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + settings.PodTimeout;
        var state = "not read yet";
        while (DateTime.UtcNow < deadline)
        {
            var current = await client.AppsV1.ReadNamespacedDaemonSetAsync(daemonSet.Name, daemonSet.Namespace, cancellationToken: cancellationToken);
            var status = current.Status;
            var desired = status?.DesiredNumberScheduled ?? 0;
            state = $"{status?.NumberReady ?? 0} of {desired} ready, {status?.UpdatedNumberScheduled ?? 0} updated";
            if (desired > 0 && status!.NumberReady == desired && status.UpdatedNumberScheduled == desired
                && (status.ObservedGeneration ?? 0) >= (current.Metadata.Generation ?? 0))
            {
                log.Information($"Multus rolled out: DaemonSet {daemonSet.Namespace}/{daemonSet.Name} {state}.");
                return;
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
        throw new PipelineException($"Multus' DaemonSet {daemonSet.Namespace}/{daemonSet.Name} did not roll out within {settings.PodTimeout.TotalSeconds:0} s ({state}); look at 'kubectl -n {daemonSet.Namespace} describe daemonset {daemonSet.Name}' and its pods.");
    }
}
