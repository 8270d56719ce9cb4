using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Where the API server keeps a kind: its group/version, plural and scope. Only the kinds the lab applies
/// (Multus' manifest, the attachment, the pods) are known; the API has no way to ask without discovery.
/// </summary>
public sealed record ResourceKind(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    private static readonly IReadOnlyList<ResourceKind> Known =
    [
        new("", "v1", "Pod", "pods", true),
        new("", "v1", "ServiceAccount", "serviceaccounts", true),
        new("", "v1", "ConfigMap", "configmaps", true),
        new("", "v1", "Namespace", "namespaces", false),
        new("apps", "v1", "DaemonSet", "daemonsets", true),
        new("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
        new("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
        new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
        new("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions", true),
    ];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public static ResourceKind Of(string apiVersion, string kind) =>
        Known.FirstOrDefault(k => k.ApiVersion == apiVersion && k.Kind == kind)
        ?? throw new PipelineException($"The lab cannot apply {kind} ({apiVersion}): it is not one of the kinds in ResourceKind; add it there with its plural and scope.");
}
