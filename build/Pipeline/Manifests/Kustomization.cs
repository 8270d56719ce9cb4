using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Manifests;

/// <summary>manifests/kustomization.yaml: what <c>kubectl apply -k manifests/</c> applies.</summary>
public sealed class Kustomization
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "kustomize.config.k8s.io/v1beta1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Kustomization";
    [JsonPropertyName("resources")] public IList<string> Resources { get; set; } = [];
}
