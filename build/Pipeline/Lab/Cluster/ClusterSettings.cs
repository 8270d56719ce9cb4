using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// The cluster backend of Lab (section "cluster" of mcastlab.json) and the Multus release it installs
/// (section "versions": the tag and the sha256 of its manifest).
/// </summary>
public sealed record ClusterSettings
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("cluster-namespace", "cluster", "Namespace the lab's NetworkAttachmentDefinition and pods go to on the cluster."),
        new("pod-timeout", "cluster", "Seconds the cluster backend waits for Multus' rollout and for each pod to run."),
        new("multus-version", "versions", "Multus release tag whose deployments/multus-daemonset.yml the cluster backend applies."),
        new("multus-manifest-sha256", "versions", "sha256 of that manifest as downloaded; empty until someone has checked the file."),
    ];

    public required string Namespace { get; init; }
    public required TimeSpan PodTimeout { get; init; }
    public required string MultusVersion { get; init; }
    public string? MultusManifestSha256 { get; init; }

    /// <summary>The release's own manifest (thin plugin), by tag: never a moving branch.</summary>
    public Uri MultusManifestUrl =>
        new($"https://raw.githubusercontent.com/k8snetworkplumbingwg/multus-cni/{MultusVersion}/deployments/multus-daemonset.yml");

    public static ClusterSettings From(ResolvedParameters p)
    {
        var settings = new ClusterSettings
        {
            Namespace = p.Text("cluster-namespace"),
            PodTimeout = TimeSpan.FromSeconds(p.Number("pod-timeout", 1, 3600)),
            MultusVersion = p.Text("multus-version"),
            MultusManifestSha256 = p.Optional("multus-manifest-sha256"),
        };
        if (settings.MultusManifestSha256 is { } sha && !Boxes.Sha256.IsHex(sha))
            throw p.Invalid("multus-manifest-sha256", "64 hexadecimal digits or empty");
        if (!System.Text.RegularExpressions.Regex.IsMatch(settings.MultusVersion, @"^v\d+\.\d+\.\d+$"))
            throw p.Invalid("multus-version", "a release tag such as v4.3.0");
        return settings;
    }
}
