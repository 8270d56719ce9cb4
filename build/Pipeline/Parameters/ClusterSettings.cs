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
        new("namespace", "cluster", "The lab's namespace, made once by manifests/rbac/mcastlab-lab.yaml; every run lives in it under its own label and removes only what it made."),
        new("node-selector", "cluster", "Label selector of the nodes that get a receiver pod, e.g. mcast=yes (empty: every schedulable node).") { Form = ParameterForm.LabelSelector },
        new("install-multus", "cluster", "true: apply the pinned Multus release when the cluster has none (false: stop and say how)."),
        new("pod-timeout", "cluster", "Seconds the cluster backend waits for Multus' rollout and for its pods to run."),
        new("keep-run", "cluster", "true: leave the run's pods and attachments in the lab's namespace for inspection (false: remove them at the end)."),
        new("tolerate-taints", "cluster", "Taint keys whose NoSchedule/NoExecute nodes still get pods, e.g. node-role.kubernetes.io/control-plane (empty: tainted nodes are skipped).") { Form = ParameterForm.TaintKeys },
    ];

    /// <summary>Null: $KUBECONFIG, then ~/.kube/config.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Null: the kubeconfig's current context.</summary>
    public string? KubeContext { get; init; }

    /// <summary>The lab's long-lived namespace (manifests/rbac makes "mcastlab").</summary>
    public string Namespace { get; init; } = DefaultNamespace;

    public const string DefaultNamespace = "mcastlab";

    /// <summary>Null: every schedulable node.</summary>
    public string? NodeSelector { get; init; }

    public bool InstallMultus { get; init; }

    public required TimeSpan PodTimeout { get; init; }

    /// <summary>Leave the run's objects in place at the end.</summary>
    public bool KeepRun { get; init; }

    /// <summary>Taint keys the lab's pods tolerate; a node with any other NoSchedule/NoExecute taint gets no pod.</summary>
    public IReadOnlyList<string> TolerateTaints { get; init; } = [];

    public static ClusterSettings From(ResolvedParameters p)
    {
        var settings = new ClusterSettings
        {
            Kubeconfig = p.Optional("kubeconfig"),
            KubeContext = p.Optional("kube-context"),
            Namespace = p.Optional("namespace") ?? DefaultNamespace,
            NodeSelector = p.Optional("node-selector"),
            InstallMultus = p.Boolean("install-multus"),
            PodTimeout = TimeSpan.FromSeconds(p.Number("pod-timeout", 1, 3600)),
            KeepRun = p.Boolean("keep-run"),
            TolerateTaints = p.List("tolerate-taints"),
        };
        if (!NamespaceName().IsMatch(settings.Namespace))
            throw p.Invalid("namespace", "a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)");
        return settings;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();
}
