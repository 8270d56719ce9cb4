using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// Waits for a run's pods with one watch of their label and one of the namespace's Events (both resumable,
/// <see cref="ResumableWatch{TItem,TList}"/>). The kubelet tells a failed sandbox (a CNI error: no eth1 on the
/// node, a plugin missing, a leaked lease), a failed mount, and the scheduler an unschedulable pod only as a
/// Warning Event, while the pod stays Pending/ContainerCreating without a word; such an event ends the wait at
/// once with its own message. A single ErrImagePull does not (the kubelet retries with back-off, transient
/// pulls recover); ImagePullBackOff that persists for <see cref="PullPatience"/> does.
/// </summary>
public sealed class PodWatcher(IKubernetes client, IBuildLog log)
{
    /// <summary>Event reasons that no wait will mend.</summary>
    public static readonly IReadOnlySet<string> FatalEvents = new HashSet<string>(StringComparer.Ordinal) { "FailedCreatePodSandBox", "FailedScheduling", "FailedMount" };

    /// <summary>Waiting reasons that mean the node will never get the image.</summary>
    private static readonly HashSet<string> PermanentPullFailures = ["InvalidImageName", "ErrImageNeverPull"];

    /// <summary>How long a container may stay in ImagePullBackOff before the run gives up on it.</summary>
    public TimeSpan PullPatience { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Pods of the namespace whose events belong to the run: the names start with this (RUN-).</summary>
    public string NamePrefix { get; init; } = "";

    /// <summary>How many times either watch was opened again after a cut, an end or a 410.</summary>
    public int Resumed { get; private set; }

    /// <summary>The kubelet's last "Failed to pull image" message for each pod: the registry's own words, which the back-off state lacks.</summary>
    private readonly ConcurrentDictionary<string, string> pullErrors = new(StringComparer.Ordinal);

    /// <summary>
    /// Waits until every named pod is running (or has already ended, for <paramref name="untilEnded"/>). A fatal
    /// event, an ended pod (when it should run), a deleted pod or a persisting pull failure throws naming pod,
    /// node and the cluster's words. At the timeout it throws, or with <paramref name="untilEnded"/> returns what it
    /// last saw (the caller judges a pod that never ended). <paramref name="ended"/> says when a pod counts as ended
    /// (default: its phase is Succeeded or Failed; a pod holding iperf's server, which never exits, ends earlier).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, V1Pod>> WaitForPodsAsync(string ns, string labelSelector, IReadOnlyCollection<string> names,
        bool untilEnded, TimeSpan timeout, Func<V1Pod, bool>? ended = null, CancellationToken cancellationToken = default)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var seen = new ConcurrentDictionary<string, V1Pod>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var backOffSince = new ConcurrentDictionary<string, DateTime>(StringComparer.Ordinal);
        string? failure = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        void Fail(string message)
        {
            Interlocked.CompareExchange(ref failure, message, null);
            failed.Cancel();
        }

        var eventWatch = Task.Run(() => WatchEventsAsync(ns, wanted, seen, Fail, failed.Token), CancellationToken.None);
        var patience = Task.Run(() => WatchBackOffAsync(ns, backOffSince, seen, Fail, failed.Token), CancellationToken.None);
        try
        {
            var pods = new ResumableWatch<V1Pod, V1PodList>(
                token => client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: token),
                (version, onError, token) => client.CoreV1.WatchListNamespacedPodAsync(ns, labelSelector: labelSelector, resourceVersion: version,
                    timeoutSeconds: (int)Math.Ceiling(timeout.TotalSeconds), onError: onError, cancellationToken: token),
                list => (list.Items, list.Metadata?.ResourceVersion), pod => pod.Metadata?.ResourceVersion, log, $"the pods of {ns} ({labelSelector})");
            try
            {
                await foreach (var (type, pod) in pods.EventsAsync(failed.Token))
                {
                    var name = pod.Metadata?.Name;
                    if (name is null || !wanted.Contains(name)) continue;
                    if (type == WatchEventType.Deleted) throw new PipelineException($"Pod {ns}/{name} was deleted while the lab waited for it; run the lab again.");
                    seen[name] = pod;
                    if (PullFailure(pod) is { } pull)
                    {
                        if (PermanentPullFailures.Contains(pull.Reason)) throw PullError(ns, name, pod, pull.Text);
                        if (pull.Reason == "ImagePullBackOff") backOffSince.TryAdd(name, DateTime.UtcNow);
                    }
                    else
                    {
                        backOffSince.TryRemove(name, out _);
                    }
                    var phase = pod.Status?.Phase;
                    if (phase is "Failed" or "Succeeded" && !untilEnded)
                        throw new PipelineException($"Pod {ns}/{name} on node {pod.Spec?.NodeName} ended ({phase}: {Reason(pod)}) before the lab could use it; read its output with 'kubectl -n {ns} logs {name} --all-containers'.");
                    if (untilEnded ? phase is "Failed" or "Succeeded" || ended?.Invoke(pod) == true : phase == "Running") done.Add(name);
                    if (done.Count == wanted.Count) break;
                }
            }
            finally
            {
                Resumed += pods.Resumed;
            }
            log.Information($"{wanted.Count} pod(s) of {ns} {(untilEnded ? "ended" : "running")}.");
            return seen;
        }
        catch (OperationCanceledException) when (failure is not null && !cancellationToken.IsCancellationRequested)
        {
            throw new PipelineException(failure);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (untilEnded) return seen;
            var waiting = wanted.Except(done).Order(StringComparer.Ordinal).ToList();
            var first = waiting[0];
            var state = seen.TryGetValue(first, out var last) ? $"{last.Status?.Phase} on node {last.Spec?.NodeName}: {Reason(last)}" : "never listed by the API server";
            throw new PipelineException($"{waiting.Count} pod(s) of {ns} did not run within {timeout.TotalSeconds:0} s (first {first}: {state}); its events are in the run's diagnostics folder ('kubectl -n {ns} get events --field-selector involvedObject.name={first}'), or raise --pod-timeout.");
        }
        finally
        {
            failed.Cancel();
            await Task.WhenAll(eventWatch, patience);
        }
    }

    private async Task WatchEventsAsync(string ns, HashSet<string> wanted, ConcurrentDictionary<string, V1Pod> seen, Action<string> fail, CancellationToken cancellationToken)
    {
        var events = new ResumableWatch<Corev1Event, Corev1EventList>(
            token => client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=Pod", cancellationToken: token),
            (version, onError, token) => client.CoreV1.WatchListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=Pod", resourceVersion: version,
                onError: onError, cancellationToken: token),
            list => (list.Items, list.Metadata?.ResourceVersion), e => e.Metadata?.ResourceVersion, log, $"the events of {ns}");
        try
        {
            await foreach (var (_, e) in events.EventsAsync(cancellationToken))
            {
                var pod = e.InvolvedObject?.Name;
                if (pod is null || !wanted.Contains(pod) || e.Type != "Warning") continue;
                if (e.Message?.StartsWith("Failed to pull image", StringComparison.Ordinal) == true) pullErrors[pod] = e.Message;
                if (!FatalEvents.Contains(e.Reason ?? "")) continue;
                var node = seen.TryGetValue(pod, out var live) ? live.Spec?.NodeName : null;
                var where = node ?? e.Source?.Host ?? "no node";
                fail($"Pod {ns}/{pod} on node {where} cannot start: {e.Reason}: {e.Message} (the {e.Source?.Component ?? e.ReportingComponent ?? "cluster"}'s event); {Advice(e.Reason!)}.");
                return;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (PipelineException ex)
        {
            fail(ex.Message);
        }
        finally
        {
            Resumed += events.Resumed;
        }
    }

    private async Task WatchBackOffAsync(string ns, ConcurrentDictionary<string, DateTime> since, ConcurrentDictionary<string, V1Pod> seen, Action<string> fail, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(50, PullPatience.TotalMilliseconds / 4))), cancellationToken);
                foreach (var (name, start) in since)
                {
                    if (DateTime.UtcNow - start < PullPatience || !seen.TryGetValue(name, out var pod) || PullFailure(pod) is not { } pull) continue;
                    fail(PullError(ns, name, pod, pull.Text).Message);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private PipelineException PullError(string ns, string name, V1Pod pod, string pull)
    {
        var why = pullErrors.TryGetValue(name, out var error) ? $"; {error}" : "";
        return new PipelineException($"Pod {ns}/{name} on node {pod.Spec?.NodeName ?? "(none)"} cannot pull its image {pull}{why}; push the images with ./build.sh Push to a --registry every node can pull from, and run again.");
    }

    /// <summary>What to do about a fatal event, in words the lab's permissions allow.</summary>
    private static string Advice(string reason) => reason switch
    {
        "FailedCreatePodSandBox" => "the pod's network could not be made (Multus, macvlan or host-local): check that the node has the lab's interface (--interface), the CNI plugins in /opt/cni/bin support cniVersion 1.0.0, and no lease of the attachment's range is held by a dead pod; the run's diagnostics folder has the events and network-status",
        "FailedScheduling" => "the node cannot take the pod: free room on it, untaint it or name the taint in --tolerate-taints, or narrow --node-selector",
        _ => "a volume of the pod could not be mounted: check the node's kubelet",
    };

    /// <summary>(reason, "IMAGE (REASON: MESSAGE)") when a container waits for an image it cannot get.</summary>
    public static (string Reason, string Text)? PullFailure(V1Pod pod)
    {
        var status = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.State?.Waiting?.Reason is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "ErrImageNeverPull");
        if (status is null) return null;
        var waiting = status.State.Waiting;
        return (waiting.Reason, $"{status.Image} ({$"{waiting.Reason}: {waiting.Message}".TrimEnd(' ', ':')})");
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
