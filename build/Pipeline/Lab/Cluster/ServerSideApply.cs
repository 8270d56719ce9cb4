using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// `kubectl apply --server-side --force-conflicts` for one object: a PATCH of type apply with our field
/// manager. Core kinds go through their typed CoreV1 calls, every other group through CustomObjects
/// (GenericClient cannot send an apply patch).
/// </summary>
public sealed class ServerSideApply(IKubernetes client, string fieldManager = ServerSideApply.FieldManager)
{
    public const string FieldManager = "mcastlab";

    /// <summary>An unknown or duplicate field is refused, not silently dropped (the server's default only warns).</summary>
    public const string FieldValidation = "Strict";

    /// <summary>Applies the object (its namespace set to the default one when a namespaced kind has none).</summary>
    public async Task<AppliedObject> ApplyAsync(JsonObject document, string defaultNamespace, CancellationToken cancellationToken = default)
    {
        var apiVersion = document["apiVersion"]?.GetValue<string>() ?? throw new PipelineException("A document to apply has no apiVersion; check the manifest it came from.");
        var kindName = document["kind"]?.GetValue<string>() ?? throw new PipelineException($"A {apiVersion} document has no kind; check the manifest it came from.");
        var metadata = document["metadata"] as JsonObject ?? throw new PipelineException($"A {kindName} has no metadata; check the manifest it came from.");
        var name = metadata["name"]?.GetValue<string>() ?? throw new PipelineException($"A {kindName} has no metadata.name; check the manifest it came from.");
        var kind = ResourceKind.Of(apiVersion, kindName);
        string? ns = null;
        if (kind.Namespaced)
        {
            ns = metadata["namespace"]?.GetValue<string>() ?? defaultNamespace;
            metadata["namespace"] = ns;
        }

        var patch = new V1Patch(document, V1Patch.PatchType.ApplyPatch);
        try
        {
            await (kind switch
            {
                { Group: "", Kind: "Pod" } => client.CoreV1.PatchNamespacedPodAsync(patch, name, ns, fieldManager: fieldManager, fieldValidation: FieldValidation, force: true, cancellationToken: cancellationToken),
                { Group: "", Kind: "ServiceAccount" } => client.CoreV1.PatchNamespacedServiceAccountAsync(patch, name, ns, fieldManager: fieldManager, fieldValidation: FieldValidation, force: true, cancellationToken: cancellationToken),
                { Group: "", Kind: "ConfigMap" } => client.CoreV1.PatchNamespacedConfigMapAsync(patch, name, ns, fieldManager: fieldManager, fieldValidation: FieldValidation, force: true, cancellationToken: cancellationToken),
                { Group: "", Kind: "Namespace" } => client.CoreV1.PatchNamespaceAsync(patch, name, fieldManager: fieldManager, fieldValidation: FieldValidation, force: true, cancellationToken: cancellationToken),
                { Namespaced: true } => client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, kind.Group, kind.Version, ns, kind.Plural, name, fieldManager: fieldManager, fieldValidation: FieldValidation, force: true, cancellationToken: cancellationToken),
                _ => (Task)client.CustomObjects.PatchClusterCustomObjectAsync(patch, kind.Group, kind.Version, kind.Plural, name, fieldManager: fieldManager, fieldValidation: FieldValidation, force: true, cancellationToken: cancellationToken),
            });
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            throw new PipelineException($"The API server refused to apply {kindName} {name} ({(int)e.Response.StatusCode}: {KubernetesError.Message(e)}); fix the manifest or the cluster and run again.", e);
        }
        return new AppliedObject(kind, name, ns);
    }
}

/// <summary>What was applied, so that it can be waited for and removed again.</summary>
public sealed record AppliedObject(ResourceKind Kind, string Name, string? Namespace);

/// <summary>The API server's own words from a failed request (its Status message), or the HTTP reason.</summary>
public static class KubernetesError
{
    public static string Message(k8s.Autorest.HttpOperationException e)
    {
        try
        {
            if (JsonNode.Parse(e.Response.Content ?? "") is JsonObject status && status["message"]?.GetValue<string>() is { Length: > 0 } message)
                return message;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return e.Response.ReasonPhrase ?? e.Message;
    }
}
