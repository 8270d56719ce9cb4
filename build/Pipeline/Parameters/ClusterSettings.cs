using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// The cluster backends of Lab (section "cluster" of mcastlab.json): which cluster, where in it, on which nodes.
/// The Multus release they install on request is pinned in ClusterAddonPins (section "versions").
/// </summary>
public sealed partial record ClusterSettings
{
    public static IReadOnlyList<ParameterDefinition> Definitions { get; } =
    [
        new("kubeconfig", "cluster", "Kubeconfig of the cluster --lab-backend=cluster runs on (empty: $KUBECONFIG, then ~/.kube/config).") { Form = ParameterForm.PathText },
        new("kube-context", "cluster", "Context of the kubeconfig to use (empty: its current context).") { Form = ParameterForm.ContextName },
        new("namespace", "cluster", "Namespace the lab creates for its run and deletes afterwards (empty: mcastlab-RUN, new per run)."),
        new("node-selector", "cluster", "Label selector of the nodes that get a receiver pod, e.g. mcast=yes (empty: every schedulable node).") { Form = ParameterForm.LabelSelector },
        new("install-multus", "cluster", "true: apply the pinned Multus release when the cluster has none (false: stop and say how)."),
        new("pod-timeout", "cluster", "Seconds the cluster backend waits for Multus' rollout and for its pods to run."),
    ];

    /// <summary>Null: $KUBECONFIG, then ~/.kube/config.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Null: the kubeconfig's current context.</summary>
    public string? KubeContext { get; init; }

    /// <summary>Null: a namespace named after the run (<see cref="NamespaceFor"/>).</summary>
    public string? Namespace { get; init; }

    /// <summary>Null: every schedulable node.</summary>
    public string? NodeSelector { get; init; }

    public bool InstallMultus { get; init; }

    public required TimeSpan PodTimeout { get; init; }

    /// <summary>The run's namespace: the one asked for, or mcastlab-RUN.</summary>
    public string NamespaceFor(string runId) => Namespace ?? $"mcastlab-{runId}";

    public static ClusterSettings From(ResolvedParameters p)
    {
        var settings = new ClusterSettings
        {
            Kubeconfig = p.Optional("kubeconfig"),
            KubeContext = p.Optional("kube-context"),
            Namespace = p.Optional("namespace"),
            NodeSelector = p.Optional("node-selector"),
            InstallMultus = p.Boolean("install-multus"),
            PodTimeout = TimeSpan.FromSeconds(p.Number("pod-timeout", 1, 3600)),
        };
        // The namespace is created and deleted by the run, so it is checked here rather than refused by the API.
        if (settings.Namespace is { } ns && !NamespaceName().IsMatch(ns))
            throw p.Invalid("namespace", "a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)");
        return settings;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();
}
