using System.Globalization;
using k8s.Models;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// The feed monitor: a DaemonSet that runs `mcast recv --metrics` on every node, attached to the segment
/// through the lab's NetworkAttachmentDefinition, with no end (it reports each sender when it stops and
/// keeps listening). Prometheus finds it by the prometheus.io/* pod annotations its kubernetes_sd example
/// relabelling reads, and scrapes the pod's cluster address; the multicast arrives on the attached interface.
/// Not in the kustomization: a monitor is deployed on purpose (`kubectl apply -f manifests/mcast-feed-monitor-daemonset.yaml`).
/// Built from the lab's own manifests (<see cref="LabManifests"/>), so the two never disagree on the attachment.
/// </summary>
public sealed class FeedMonitorManifest(LabManifests manifests)
{
    public const string Name = "mcast-feed-monitor";
    public const string FileName = "mcast-feed-monitor-daemonset.yaml";

    /// <summary>The port /metrics is served on in the pod (OpenTelemetry's Prometheus exporter uses it too; a pod has its own).</summary>
    public const int MetricsPort = 9464;

    public const string MetricsPath = "/metrics";

    /// <summary>The lab's receiver DaemonSet (attachment, tolerations) under its own name, labels and scrape annotations.</summary>
    public V1DaemonSet DaemonSet()
    {
        var daemonSet = manifests.ReceiverDaemonSet();
        var labels = LabManifests.Labels("feed-monitor");
        var port = MetricsPort.ToString(CultureInfo.InvariantCulture);
        daemonSet.Metadata = new V1ObjectMeta { Name = Name, Labels = labels };
        daemonSet.Spec.Selector = new V1LabelSelector { MatchLabels = labels };
        var template = daemonSet.Spec.Template;
        template.Metadata.Labels = labels;
        template.Metadata.Annotations["prometheus.io/scrape"] = "true";
        template.Metadata.Annotations["prometheus.io/port"] = port;
        template.Metadata.Annotations["prometheus.io/path"] = MetricsPath;
        template.Spec.Containers = [Monitor(manifests.ReceiverContainer(), port)];
        return daemonSet;
    }

    public ManifestFile File() => new($"{LabManifests.ManifestsDirectory}/{FileName}", ManifestYaml.Render(DaemonSet()));

    /// <summary>The lab's receiver container (image, group, interface, port, JSON), made a monitor.</summary>
    private static V1Container Monitor(V1Container container, string port)
    {
        // The log keeps one JSON line per sender when it stops; the counters live at /metrics.
        container.Args = [.. container.Args, "--interval", "0", "--metrics", $"0.0.0.0:{port}"];
        container.Ports = [new V1ContainerPort { Name = "metrics", ContainerPort = MetricsPort, Protocol = "TCP" }];
        // Ready once /metrics answers; its mcast_up gauge turns 1 when the groups are joined.
        container.ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = MetricsPath, Port = "metrics" }, PeriodSeconds = 10 };
        container.Resources = new V1ResourceRequirements
        {
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("32Mi") },
            Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("256Mi") },
        };
        // The lab's container has no privilege; the receiver DaemonSet's pod sets no security context, so the
        // rest of Pod Security's "restricted" profile goes on the container.
        container.SecurityContext.RunAsNonRoot = true;
        container.SecurityContext.SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" };
        return container;
    }
}
