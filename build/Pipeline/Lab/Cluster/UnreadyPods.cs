using k8s;
using k8s.Models;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Why a DaemonSet's rollout stalls, from the API: its pods that are not ready, each with its node and the
/// state of its containers (waiting in CrashLoopBackOff or ImagePullBackOff, last terminated as OOMKilled).
/// </summary>
public sealed class UnreadyPods(IKubernetes client)
{
    public async Task<string> DescribeAsync(V1DaemonSet daemonSet, CancellationToken cancellationToken = default)
    {
        var labels = daemonSet.Spec?.Selector?.MatchLabels ?? new Dictionary<string, string>();
        var selector = string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
        var pods = await client.CoreV1.ListNamespacedPodAsync(daemonSet.Metadata.NamespaceProperty, labelSelector: selector, cancellationToken: cancellationToken);
        return Describe(pods.Items);
    }

    /// <summary>"pod on node: container state; ..." for every pod that is not ready, or a sentence saying there is none.</summary>
    public static string Describe(IEnumerable<V1Pod> pods)
    {
        var unready = pods.Where(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != true).ToList();
        if (unready.Count == 0) return "no pod of it exists or every pod is ready";
        return string.Join("; ", unready.Select(Describe));
    }

    private static string Describe(V1Pod pod)
    {
        var where = $"{pod.Metadata.Name} on {pod.Spec?.NodeName ?? "no node"}";
        var containers = (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? [])
            .Where(c => !c.Ready)
            .Select(State)
            .OfType<string>()
            .ToList();
        if (containers.Count > 0) return $"{where}: {string.Join(", ", containers)}";
        var unscheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
        return unscheduled is null
            ? $"{where}: {pod.Status?.Phase ?? "no status yet"}"
            : $"{where}: {pod.Status?.Phase ?? "Pending"}, not scheduled ({unscheduled.Reason}: {unscheduled.Message})";
    }

    private static string? State(V1ContainerStatus container)
    {
        var now = container.State?.Waiting is { } waiting ? waiting.Reason
            : container.State?.Terminated is { } terminated ? $"{terminated.Reason} (exit code {terminated.ExitCode})"
            : container.State?.Running is not null ? "running, not ready"
            : null;
        var last = container.LastState?.Terminated is { } previous
            ? $"last terminated {previous.Reason} (exit code {previous.ExitCode}), {container.RestartCount} restarts"
            : null;
        var parts = new[] { now, last }.OfType<string>().ToList();
        return parts.Count == 0 ? null : $"{container.Name} {string.Join(", ", parts)}";
    }
}
