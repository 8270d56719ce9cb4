using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// The cluster backend of Lab (section "cluster" of mcastlab.json). The Multus release it installs is pinned
/// in ClusterAddonPins (section "versions").
/// </summary>
public sealed record ClusterSettings
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("cluster-namespace", "cluster", "Namespace the lab's NetworkAttachmentDefinition and pods go to on the cluster."),
        new("pod-timeout", "cluster", "Seconds the cluster backend waits for Multus' rollout and for each pod to run."),
    ];

    public required string Namespace { get; init; }
    public required TimeSpan PodTimeout { get; init; }

    public static ClusterSettings From(ResolvedParameters p)
    {
        var settings = new ClusterSettings
        {
            Namespace = p.Text("cluster-namespace"),
            PodTimeout = TimeSpan.FromSeconds(p.Number("pod-timeout", 1, 3600)),
        };
        if (!System.Text.RegularExpressions.Regex.IsMatch(settings.Namespace, "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"))
            throw p.Invalid("cluster-namespace", "a Kubernetes namespace name (lower-case letters, digits and '-')");
        return settings;
    }
}
