using k8s;
using k8s.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>Every generated document loads back through KubernetesYaml into the typed object it came from.</summary>
public sealed class ManifestRoundTripTests
{
    private readonly LabManifests manifests = new(ManifestTestParameters.Resolve());

    public static TheoryData<string> Documents() => new("network", "receiver", "iperf", "daemonset", "feed-monitor", "kustomization");

    private object Document(string name) => name switch
    {
        "network" => manifests.NetworkAttachment(),
        "receiver" => manifests.ReceiverPod(),
        "iperf" => manifests.IperfPod(),
        "daemonset" => manifests.ReceiverDaemonSet(),
        "feed-monitor" => new FeedMonitorManifest(new LabManifests(ManifestTestParameters.Resolve().Lab, ManifestTestParameters.Resolve().Images)).DaemonSet(),
        "kustomization" => LabManifests.Kustomization(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void A_document_loads_back_into_the_same_typed_object(string name)
    {
        var original = Document(name);
        var loaded = Assert.Single(ManifestYaml.Load(ManifestYaml.Render(original)));

        Assert.IsType(original.GetType(), loaded);
        Assert.Equal(KubernetesYaml.Serialize(original), KubernetesYaml.Serialize(loaded));
    }

    [Fact]
    public void Every_generated_Kubernetes_file_loads_and_renders_back_to_the_same_text()
    {
        foreach (var file in manifests.Files())
        {
            var document = Assert.Single(ManifestYaml.Load(file.Content));
            Assert.Equal(file.Content, ManifestYaml.Render(document));
        }
    }

    [Fact]
    public void The_loaded_attachment_carries_the_typed_cni_configuration()
    {
        var loaded = Assert.IsType<NetworkAttachmentDefinition>(Assert.Single(ManifestYaml.Load(ManifestYaml.Render(manifests.NetworkAttachment()))));

        Assert.Equal("k8s.cni.cncf.io/v1", loaded.ApiVersion);
        Assert.Equal("eth1-multicast", loaded.Metadata.Name);
        var network = MacvlanNetwork.Parse(loaded.Spec.Config);
        Assert.Equal(manifests.CniNetwork(), network);
        Assert.Equal("eth1", network.Master);
        Assert.Equal(MacvlanMode.Bridge, network.Mode);
        Assert.Equal(("10.0.0.0/24", "10.0.0.13", "10.0.0.254"), (network.Ipam.Subnet, network.Ipam.RangeStart, network.Ipam.RangeEnd));
    }

    [Fact]
    public void The_loaded_receiver_pod_asks_for_the_attachment_and_runs_mcast_recv()
    {
        var pod = Assert.IsType<V1Pod>(Assert.Single(ManifestYaml.Load(ManifestYaml.Render(manifests.ReceiverPod()))));

        Assert.Equal("eth1-multicast@eth1", pod.Metadata.Annotations[NetworkAttachmentDefinition.NetworksAnnotation]);
        var container = Assert.Single(pod.Spec.Containers);
        Assert.Equal("127.0.0.1:5000/mcastlab/mcast:latest", container.Image);
        Assert.Equal(["mcast", "recv", "--group", "224.0.67.67", "--interface", "eth1", "--port", "5001", "--format", "json"], [.. container.Command, .. container.Args]);
    }

    [Fact]
    public void The_iperf_pod_runs_the_walkthrough_command()
    {
        var container = Assert.Single(manifests.IperfPod().Spec.Containers);

        Assert.Equal("127.0.0.1:5000/mcastlab/iperf:latest", container.Image);
        Assert.Equal("iperf -s -u -B 224.0.67.67%eth1 -i 1", string.Join(' ', [.. container.Command, .. container.Args]));
    }

    [Fact]
    public void YamlDotNet_stays_on_the_major_version_KubernetesClient_was_built_with()
    {
        var expected = typeof(KubernetesYaml).Assembly.GetReferencedAssemblies().Single(a => a.Name == "YamlDotNet").Version!;
        var loaded = typeof(YamlDotNet.Serialization.ISerializer).Assembly.GetName().Version!;
        Assert.Equal(expected.Major, loaded.Major);
    }

    [Fact]
    public void ReadCniConfig_returns_the_config_exactly_as_written()
    {
        var directory = Directory.CreateTempSubdirectory("mf-nad-");
        try
        {
            var path = Path.Combine(directory.FullName, NetworkAttachmentFile.FileName);
            File.WriteAllText(path, ManifestYaml.Render(manifests.NetworkAttachment()));

            Assert.Equal(manifests.CniNetwork().ToJson(), NetworkAttachmentFile.ReadCniConfig(path));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadCniConfig_of_the_committed_file_is_the_generated_configuration() =>
        Assert.Equal(manifests.CniNetwork().ToJson(), NetworkAttachmentFile.ReadCniConfig(NetworkAttachmentFile.PathUnder(ManifestTestParameters.RepositoryRoot)));

    [Fact]
    public void ReadCniConfig_explains_a_missing_or_wrong_file()
    {
        var directory = Directory.CreateTempSubdirectory("mf-nad-");
        try
        {
            var missing = Assert.Throws<PipelineException>(() => NetworkAttachmentFile.ReadCniConfig(Path.Combine(directory.FullName, "absent.yaml")));
            Assert.Contains("./build.sh Manifests", missing.Message, StringComparison.Ordinal);

            var podOnly = Path.Combine(directory.FullName, "pod.yaml");
            File.WriteAllText(podOnly, ManifestYaml.Render(manifests.ReceiverPod()));
            var wrongKind = Assert.Throws<PipelineException>(() => NetworkAttachmentFile.ReadCniConfig(podOnly));
            Assert.Contains("no single NetworkAttachmentDefinition", wrongKind.Message, StringComparison.Ordinal);

            var broken = Path.Combine(directory.FullName, "broken.yaml");
            File.WriteAllText(broken, "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nspec: [unclosed\n");
            var invalid = Assert.Throws<PipelineException>(() => NetworkAttachmentFile.ReadCniConfig(broken));
            Assert.Contains("not a valid Kubernetes YAML file", invalid.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
