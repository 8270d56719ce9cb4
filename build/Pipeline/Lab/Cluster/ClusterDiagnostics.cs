using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// What a failed run leaves to read after its pods are gone, saved under the run's folder before they go:
/// the run's pods (pods.json), the namespace's events about them (events.txt, oldest first), every
/// container's log (logs/POD.CONTAINER.log), each pod's network-status (network-status.json) and the chosen
/// nodes' conditions and taints (nodes.json). Each part is best effort: a part the cluster refuses is named
/// in errors.txt and the rest is still saved.
/// </summary>
public sealed class ClusterDiagnostics(IKubernetes client, IBuildLog log)
{
    public const string FolderName = "diagnostics";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public async Task<string> SaveAsync(string runFolder, string ns, string labelSelector, string namePrefix, IReadOnlyList<string> nodes, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(runFolder, FolderName);
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        var errors = new List<string>();
        async Task Part(string what, Func<Task> save)
        {
            try
            {
                await save();
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or PipelineException or IOException or JsonException)
            {
                errors.Add($"{what}: {e.Message}");
            }
        }

        await Part("pods", async () =>
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, "pods.json"), KubernetesJson.Serialize(pods), cancellationToken);
            var status = new JsonObject();
            foreach (var pod in pods.Items)
            {
                status[pod.Metadata.Name] = pod.Metadata.Annotations?.TryGetValue(NetworkStatus.Annotation, out var text) == true ? JsonNode.Parse(text) : null;
                foreach (var container in pod.Spec.Containers)
                {
                    // A container that never started has no log (the server refuses it): its state says why.
                    var state = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == container.Name)?.State;
                    if (state?.Running is null && state?.Terminated is null)
                    {
                        await File.WriteAllTextAsync(Path.Combine(folder, "logs", $"{pod.Metadata.Name}.{container.Name}.log"),
                            $"(no log: the container never started; waiting: {state?.Waiting?.Reason ?? "no status"} {state?.Waiting?.Message})\n", cancellationToken);
                        continue;
                    }
                    await Part($"log of {pod.Metadata.Name}/{container.Name}", async () =>
                    {
                        using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, ns, container: container.Name, cancellationToken: cancellationToken);
                        await using var file = File.Create(Path.Combine(folder, "logs", $"{pod.Metadata.Name}.{container.Name}.log"));
                        await stream.CopyToAsync(file, cancellationToken);
                    });
                }
            }
            await File.WriteAllTextAsync(Path.Combine(folder, "network-status.json"), status.ToJsonString(Indented), cancellationToken);
        });
        await Part("events", async () =>
        {
            var events = await client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: cancellationToken);
            var text = new StringBuilder();
            foreach (var e in events.Items.Where(e => e.InvolvedObject?.Name?.StartsWith(namePrefix, StringComparison.Ordinal) == true)
                .OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp))
            {
                text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"{e.LastTimestamp ?? e.EventTime:O} {e.Type} {e.Reason} {e.InvolvedObject.Kind}/{e.InvolvedObject.Name} (x{e.Count ?? 1}, {e.Source?.Component}{(e.Source?.Host is { } host ? " on " + host : "")}): {e.Message}");
            }
            await File.WriteAllTextAsync(Path.Combine(folder, "events.txt"), text.ToString(), cancellationToken);
        });
        await Part("nodes", async () =>
        {
            var list = await client.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);
            var chosen = new JsonObject();
            foreach (var node in list.Items.Where(n => nodes.Contains(n.Metadata.Name)))
            {
                chosen[node.Metadata.Name] = new JsonObject
                {
                    ["taints"] = JsonNode.Parse(KubernetesJson.Serialize(node.Spec?.Taints ?? [])),
                    ["conditions"] = JsonNode.Parse(KubernetesJson.Serialize(node.Status?.Conditions ?? [])),
                };
            }
            await File.WriteAllTextAsync(Path.Combine(folder, "nodes.json"), chosen.ToJsonString(Indented), cancellationToken);
        });
        if (errors.Count > 0) await File.WriteAllLinesAsync(Path.Combine(folder, "errors.txt"), errors, cancellationToken);
        log.Information($"Diagnostics of the run saved in {folder}{(errors.Count > 0 ? $" ({errors.Count} part(s) missing, see errors.txt)" : "")}.");
        return folder;
    }
}
