using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Manifests;
using YamlDotNet.RepresentationModel;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>The Multus daemon's memory limit, raised from the released 50Mi in the manifest the cluster gets.</summary>
public sealed class MultusMemoryLimitTests
{
    /// <summary>
    /// The DaemonSet's containers as deployments/multus-daemonset-thick.yml of v4.3.0 has them (the pinned
    /// file, sha256 2d622f69…; `git show v4.3.0:deployments/multus-daemonset-thick.yml`), other fields left out.
    /// </summary>
    private const string Manifest = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: kube-multus-ds
          namespace: kube-system
        spec:
          template:
            spec:
              containers:
                - name: kube-multus
                  image: ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick
                  command: [ "/usr/src/multus-cni/bin/multus-daemon" ]
                  resources:
                    requests:
                      cpu: "100m"
                      memory: "50Mi"
                    limits:
                      cpu: "100m"
                      memory: "50Mi"
                  securityContext:
                    privileged: true
              initContainers:
                - name: install-multus-binary
                  image: ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick
                  resources:
                    requests:
                      cpu: "10m"
                      memory: "15Mi"

        """;

    [Fact]
    public void The_daemons_limit_is_raised_and_every_request_stays_as_released()
    {
        var raised = MultusManifest.RaiseMemoryLimit(Manifest);

        Assert.Equal("256Mi", Resource(raised, "containers", "limits", "memory"));
        Assert.Equal("100m", Resource(raised, "containers", "limits", "cpu"));
        Assert.Equal("50Mi", Resource(raised, "containers", "requests", "memory"));
        Assert.Equal("15Mi", Resource(raised, "initContainers", "requests", "memory"));
    }

    [Fact]
    public async Task The_manifest_the_cluster_gets_has_the_raised_limit_and_the_pinned_image()
    {
        var cache = Directory.CreateTempSubdirectory("mcastlab-multus-");
        try
        {
            var pins = ManifestTestParameters.Resolve().ClusterAddons;
            var pin = pins.Multus with { Sha256 = Sha256.OfText(Manifest) };
            // A cached copy with the pinned sha256 is used without a download (none is possible here).
            await File.WriteAllTextAsync(Path.Combine(cache.FullName, $"multus-{pin.Version}-{Path.GetFileName(pin.Url.AbsolutePath)}"), Manifest, TestContext.Current.CancellationToken);
            using var http = new HttpClient();

            var manifest = await MultusManifest.FetchAsync(new PinnedDownload(http, new ConsoleBuildLog(), cache.FullName), pins with { Multus = pin }, TestContext.Current.CancellationToken);

            Assert.Equal(MultusManifest.DaemonMemoryLimit, Resource(manifest, "containers", "limits", "memory"));
            Assert.Contains($"image: {pins.MultusImage}\n", manifest, StringComparison.Ordinal);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    private static string Resource(string manifest, string containers, string kind, string name)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(manifest));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var spec = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)root["spec"])["template"])["spec"];
        var container = (YamlMappingNode)((YamlSequenceNode)spec[containers])[0];
        return ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)container["resources"])[kind])[name]).Value!;
    }
}
