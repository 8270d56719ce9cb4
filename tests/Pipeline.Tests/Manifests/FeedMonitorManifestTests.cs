using k8s.Models;
using McastLab.Pipeline.Manifests;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>The feed monitor DaemonSet: attached like the lab's pods, serving /metrics where its annotations say.</summary>
public sealed class FeedMonitorManifestTests
{
    private static V1DaemonSet Loaded(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var parameters = ManifestTestParameters.Resolve(overrides);
        var file = Assert.Single(new LabManifests(parameters).Files(), f => f.Path == $"manifests/{FeedMonitorManifest.FileName}");
        return Assert.IsType<V1DaemonSet>(Assert.Single(ManifestYaml.Load(file.Content)));
    }

    [Fact]
    public void The_monitor_runs_mcast_recv_with_metrics_on_the_lab_group_and_interface()
    {
        var container = Assert.Single(Loaded().Spec.Template.Spec.Containers);

        Assert.Equal(
            ["mcast", "recv", "--group", "224.0.67.67", "--interface", "eth1", "--port", "5001", "--format", "json", "--interval", "0", "--metrics", "0.0.0.0:9464"],
            [.. container.Command, .. container.Args]);
        Assert.Equal("127.0.0.1:5000/mcastlab/mcast:latest", container.Image);
    }

    [Fact]
    public void The_scrape_annotations_name_the_port_and_path_the_container_serves()
    {
        var template = Loaded().Spec.Template;
        var container = Assert.Single(template.Spec.Containers);
        var annotations = template.Metadata.Annotations;

        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        var port = Assert.Single(container.Ports);
        Assert.Equal((annotations["prometheus.io/port"], "metrics", "TCP"), (port.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), port.Name, port.Protocol));
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
        Assert.Equal(annotations["prometheus.io/path"], container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(port.Name, container.ReadinessProbe.HttpGet.Port.Value);
        Assert.EndsWith(":" + annotations["prometheus.io/port"], container.Args[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_monitor_is_attached_through_the_lab_network_and_runs_on_every_node()
    {
        var daemonSet = Loaded(new Dictionary<string, string> { ["interface"] = "enp0s8", ["network-name"] = "enp0s8-multicast", ["group"] = "239.1.2.3" });
        var spec = daemonSet.Spec.Template.Spec;

        Assert.Equal("enp0s8-multicast@enp0s8", daemonSet.Spec.Template.Metadata.Annotations[NetworkAttachmentDefinition.NetworksAnnotation]);
        Assert.Equal(["239.1.2.3", "enp0s8"], [spec.Containers[0].Args[2], spec.Containers[0].Args[4]]);
        Assert.Contains(spec.Tolerations, t => t.Key == "node-role.kubernetes.io/control-plane" && t.OperatorProperty == "Exists");
        Assert.Equal(daemonSet.Spec.Selector.MatchLabels, daemonSet.Spec.Template.Metadata.Labels);
    }

    [Fact]
    public void The_monitor_runs_unprivileged_as_the_image_does()
    {
        var security = Assert.Single(Loaded().Spec.Template.Spec.Containers).SecurityContext;

        Assert.Equal((false, true), (security.AllowPrivilegeEscalation, security.RunAsNonRoot));
        Assert.Equal(["ALL"], security.Capabilities.Drop);
    }
}
