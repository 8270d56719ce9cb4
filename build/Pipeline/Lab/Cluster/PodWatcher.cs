using k8s;
using k8s.Models;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>Waits for a pod to run by watching it (one long request, events as they happen), up to a timeout.</summary>
public sealed class PodWatcher(IKubernetes client, IBuildLog log)
{
    public async Task<V1Pod> WaitForRunningAsync(string name, string ns, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        V1Pod? last = null;
        try
        {
            // A watch ends when the server closes it; watch again until the pod runs or the time is up.
            while (true)
            {
                var events = client.CoreV1.WatchListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}",
                    timeoutSeconds: (int)Math.Ceiling(timeout.TotalSeconds), cancellationToken: deadline.Token);
                await foreach (var (type, pod) in events)
                {
                    if (type == WatchEventType.Deleted) throw new PipelineException($"Pod {ns}/{name} was deleted while the lab waited for it; run the lab again.");
                    last = pod;
                    switch (pod.Status?.Phase)
                    {
                        case "Running":
                            log.Information($"Pod {ns}/{name} is running on {pod.Spec?.NodeName}.");
                            return pod;
                        case "Failed" or "Succeeded":
                            throw new PipelineException($"Pod {ns}/{name} ended ({pod.Status.Phase}: {Reason(pod)}) before the lab could use it; see 'kubectl logs {name}'.");
                    }
                }
                await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var phase = last?.Status?.Phase ?? "not seen";
            throw new PipelineException($"Pod {ns}/{name} is still {phase} after {timeout.TotalSeconds:0} s ({(last is null ? "the API server never listed it" : Reason(last))}); see 'kubectl describe pod {name}' for why.");
        }
    }

    /// <summary>Waiting reasons that mean the node cannot get the image: no wait will mend them.</summary>
    private static readonly HashSet<string> PullFailures = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"];

    /// <summary>
    /// Waits, with one watch of the run's pods (label selector) rather than one per pod, until every named pod
    /// is running (or has already ended, for <paramref name="untilEnded"/>). A pod that cannot pull its image
    /// ends the wait at once with the pod, node and reason. At the timeout it throws, or with
    /// <paramref name="untilEnded"/> returns what it last saw (the caller judges a pod that never ended).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, V1Pod>> WaitForPodsAsync(string ns, string labelSelector, IReadOnlyCollection<string> names,
        bool untilEnded, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var seen = new Dictionary<string, V1Pod>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (done.Count < wanted.Count)
            {
                var events = client.CoreV1.WatchListNamespacedPodAsync(ns, labelSelector: labelSelector,
                    timeoutSeconds: (int)Math.Ceiling(timeout.TotalSeconds), cancellationToken: deadline.Token);
                await foreach (var (type, pod) in events)
                {
                    var name = pod.Metadata?.Name;
                    if (name is null || !wanted.Contains(name)) continue;
                    if (type == WatchEventType.Deleted) throw new PipelineException($"Pod {ns}/{name} was deleted while the lab waited for it; run the lab again.");
                    seen[name] = pod;
                    if (PullFailure(pod) is { } failure)
                    {
                        throw new PipelineException($"Pod {ns}/{name} on node {pod.Spec?.NodeName ?? "(none)"} cannot pull its image {failure}; push the images with ./build.sh Push to a --registry every node can pull from, and run again.");
                    }
                    var phase = pod.Status?.Phase;
                    if (phase is "Failed" or "Succeeded" && !untilEnded)
                        throw new PipelineException($"Pod {ns}/{name} on node {pod.Spec?.NodeName} ended ({phase}: {Reason(pod)}) before the lab could use it; see 'kubectl -n {ns} logs {name} --all-containers'.");
                    if (untilEnded ? phase is "Failed" or "Succeeded" : phase == "Running") done.Add(name);
                    if (done.Count == wanted.Count) break;
                }
                if (done.Count < wanted.Count) await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            log.Information($"{wanted.Count} pod(s) of {ns} {(untilEnded ? "ended" : "running")}.");
            return seen;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (untilEnded) return seen;
            var waiting = wanted.Except(done).Order(StringComparer.Ordinal).ToList();
            var first = waiting[0];
            var state = seen.TryGetValue(first, out var last) ? $"{last.Status?.Phase} on node {last.Spec?.NodeName}: {Reason(last)}" : "never listed by the API server";
            throw new PipelineException($"{waiting.Count} pod(s) of {ns} did not run within {timeout.TotalSeconds:0} s (first {first}: {state}); see 'kubectl -n {ns} describe pod {first}', or raise --pod-timeout.");
        }
    }

    /// <summary>"IMAGE (REASON: MESSAGE)" when a container waits for an image it cannot get.</summary>
    public static string? PullFailure(V1Pod pod)
    {
        var status = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.State?.Waiting?.Reason is { } r && PullFailures.Contains(r));
        if (status is null) return null;
        var waiting = status.State.Waiting;
        return $"{status.Image} ({$"{waiting.Reason}: {waiting.Message}".TrimEnd(' ', ':')})";
    }

    /// <summary>The most telling reason Kubernetes gives: a waiting container's, else an unmet condition's.</summary>
    public static string Reason(V1Pod pod)
    {
        var waiting = pod.Status?.ContainerStatuses?.Select(s => s.State?.Waiting).FirstOrDefault(w => w is not null);
        if (waiting is not null) return $"{waiting.Reason}: {waiting.Message}".TrimEnd(' ', ':');
        var condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Status == "False");
        if (condition is not null) return $"{condition.Type} {condition.Reason}: {condition.Message}".TrimEnd(' ', ':');
        return pod.Status?.Reason ?? "no reason given";
    }
}
