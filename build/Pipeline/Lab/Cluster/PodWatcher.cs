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
