using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// The Network Plumbing Working Group's custom resource that Multus reads: a named CNI configuration
/// that pods ask for in their <c>k8s.v1.cni.cncf.io/networks</c> annotation.
/// </summary>
public sealed class NetworkAttachmentDefinition : IKubernetesObject<V1ObjectMeta>, ISpec<NetworkAttachmentDefinitionSpec>
{
    public const string Group = "k8s.cni.cncf.io";
    public const string Version = "v1";
    public const string KindName = "NetworkAttachmentDefinition";
    public const string Plural = "network-attachment-definitions";

    /// <summary>The pod annotation that asks Multus for extra networks.</summary>
    public const string NetworksAnnotation = "k8s.v1.cni.cncf.io/networks";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = $"{Group}/{Version}";
    [JsonPropertyName("kind")] public string Kind { get; set; } = KindName;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public NetworkAttachmentDefinitionSpec Spec { get; set; } = new();
}

public sealed class NetworkAttachmentDefinitionSpec
{
    /// <summary>The CNI configuration as JSON text, handed by Multus to the plugin it names.</summary>
    [JsonPropertyName("config")] public string Config { get; set; } = "";
}
