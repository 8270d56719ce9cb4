using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// The lab on a Kubernetes cluster with Multus (--lab-backend=cluster, by kubeconfig; --lab-backend=vagrant is the
/// same plus the two-VM lab's mcastsrc as an outside sender and its images copied onto the VMs, see Lab/Vagrant).
/// It reports the usable nodes (cordoned, not-ready and untolerated tainted ones left out), checks Multus and the
/// lab's namespace (made once by manifests/rbac), applies one attachment per node and the pods of
/// <see cref="ClusterPlan"/> under the run's label, runs the flows and returns what it observed; it never judges
/// (<see cref="ExperimentVerdict"/> does). A failure once the run's objects are being made becomes the
/// observations' setup failure, naming its cause; a run that did not go as planned saves its diagnostics under
/// its run folder before its objects go. It removes what it made (by the run's label) on success, failure and
/// Ctrl+C, waits for it to be gone, and reports what is left, unless --keep-run.
/// </summary>
public sealed class ClusterLab(IKubernetes client, PinnedDownload download, ClusterAddonPins addons, ImageSettings images,
    IClusterHosts? outside, IBuildLog log, ClusterSettings cluster, LabRunId run) : ILabBackend
{
    private const string MultusDefinition = "network-attachment-definitions.k8s.cni.cncf.io";

    /// <summary>--lab-backend=cluster: the cluster of --kubeconfig (else $KUBECONFIG, else ~/.kube/config) and --kube-context.</summary>
    public static ClusterLab ForCluster(IBuildLog log, BuildParameters parameters, LabRunId run)
    {
        var cluster = parameters.Cluster;
        var path = cluster.Kubeconfig
            ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        if (!File.Exists(path))
        {
            throw new PipelineException($"The kubeconfig {path} is missing; point --kubeconfig (or KUBECONFIG) at your cluster's kubeconfig and run again.");
        }
        return On(path, null, log, parameters, cluster, run);
    }

    /// <summary>
    /// The backend on the cluster of the kubeconfig at <paramref name="kubeconfig"/> (its --kube-context), the flows
    /// outside it on <paramref name="outside"/> (null: none), its downloads under artifacts/lab.
    /// </summary>
    public static ClusterLab On(string kubeconfig, IClusterHosts? outside, IBuildLog log, BuildParameters parameters, ClusterSettings cluster, LabRunId run,
        bool createMissingNamespace = false)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, currentContext: cluster.KubeContext);
        }
        catch (k8s.Exceptions.KubeConfigException e)
        {
            throw new PipelineException($"The kubeconfig {kubeconfig} cannot be used ({e.Message}); check it{(cluster.KubeContext is null ? "" : " and --kube-context")}, then run again.", e);
        }
        return new(Client(config), new PinnedDownload(new HttpClient(), log, parameters.Layout.LabDownloads), parameters.ClusterAddons, parameters.Images, outside, log, cluster, run)
        {
            CreateMissingNamespace = createMissingNamespace,
        };
    }

    /// <summary>A client whose every refusal becomes one sentence naming what was refused, by whom, and what to do.</summary>
    public static Kubernetes Client(KubernetesClientConfiguration config) => new(config, new ForbiddenRequestHandler());

    /// <summary>How long the receivers get, after the last sender ended, to report and end.</summary>
    public TimeSpan ReportGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Between the receivers running and the first send: they join the group when they start.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Logs read at once: enough to keep a 200-node run short, few enough not to flood the API server (docs/cluster.md says 16).</summary>
    public int LogConcurrency { get; init; } = DefaultLogConcurrency;

    public const int DefaultLogConcurrency = 16;

    /// <summary>How long a container may stay in ImagePullBackOff before the run ends (a single ErrImagePull never ends it).</summary>
    public TimeSpan PullPatience { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How long the run waits for a deleted pod, or at its end for all its objects, to be gone (deletion is asynchronous: pods terminate first).</summary>
    public TimeSpan RemovalWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Make the lab's namespace when it is missing (the two-VM lab, whose kubeconfig is its admin); elsewhere manifests/rbac makes it.</summary>
    public bool CreateMissingNamespace { get; init; }

    public string Name => LabSettings.BackendName(outside is null ? LabBackend.Cluster : LabBackend.Vagrant);

    public LabRunId Run => run;

    private IReadOnlyList<V1Node> discovered = [];

    public async Task<BackendTopology> DiscoverAsync(LabRequest request, CancellationToken cancellationToken)
    {
        discovered = await NodesAsync(cancellationToken);
        // What this backend cannot do: those checks are reported as not run, with these reasons.
        var lacks = new Dictionary<LabAbility, string>
        {
            [LabAbility.NodeReceiver] = "the cluster backend runs only pods of Pod Security's restricted level (manifests/rbac gives the lab's namespace that level), and a receiver on the node itself needs a host-network pod",
        };
        if (cluster.KeepRun) lacks[LabAbility.CleanupObservation] = "--keep-run leaves the run's pods and attachments in place for inspection";
        return new BackendTopology([.. discovered.Select(n => n.Metadata.Name)], request.Settings.Pods, outside is not null, lacks);
    }

    public async Task<LabObservations> RunAsync(LabRequest request, LabExperiment experiment, CancellationToken cancellationToken)
    {
        var lab = request.Settings;
        var plan = ClusterPlan.Create(lab, experiment, outside is not null);
        await EnsureMultusAsync(cancellationToken);
        var ns = cluster.Namespace;
        await EnsureNamespaceAsync(ns, cancellationToken);
        if (outside is not null) await outside.LoadImagesAsync([request.McastImage, request.IperfImage], cancellationToken);

        var flows = plan.Experiment.Flows.Count;
        var lifetime = cluster.PodTimeout * (1 + flows) + TimeSpan.FromSeconds(flows * lab.DurationSeconds) + ReportGrace;
        var objects = new ClusterObjects(lab, images, plan, request, run, ns, outside is null ? ImagePolicy.Pull : ImagePolicy.Never, lifetime, cluster.TolerateTaints);
        var runFolder = Path.GetDirectoryName(Path.GetFullPath(request.ManifestsDirectory))!;
        log.Information($"Run {run.Value} in namespace {ns} (label {objects.RunSelector}).");

        var seen = new RunObservations();
        string? setupFailure = null;
        string? diagnostics = null;
        IReadOnlyList<string>? leftovers = null;
        try
        {
            await RunInNamespaceAsync(request, plan, objects, seen, cancellationToken);
        }
        catch (PipelineException e) when (!cancellationToken.IsCancellationRequested)
        {
            setupFailure = e.Message;
        }
        finally
        {
            // Saved before the pods go: their events and logs go with them. Not after Ctrl+C: the user wants out.
            if (!cancellationToken.IsCancellationRequested && (setupFailure is not null || seen.Unusual))
            {
                var folder = await new ClusterDiagnostics(client, log).SaveAsync(runFolder, ns, objects.RunSelector, objects.NamePrefix, plan.Experiment.Nodes, CancellationToken.None);
                // report.html (artifacts/lab/, two levels above runs/RUN/) links it.
                diagnostics = Path.GetRelativePath(Path.GetDirectoryName(Path.GetDirectoryName(runFolder)!)!, folder).Replace('\\', '/') + "/";
                if (setupFailure is not null) setupFailure = $"{setupFailure.TrimEnd('.')} (diagnostics in {folder}).";
            }
            if (cluster.KeepRun) log.Information($"--keep-run: the run's pods and attachments stay in {ns}; remove them with 'kubectl -n {ns} delete pods,net-attach-def -l {objects.RunSelector}'.");
            else leftovers = await RemoveRunAsync(objects);
        }
        if (setupFailure is not null) log.Error(setupFailure);

        return new LabObservations
        {
            Location = $"namespace {ns}, label {objects.RunSelector} (Multus {addons.MultusImage})",
            Pods = [.. plan.Experiment.Pods.Where(p => seen.Pods.ContainsKey(p.Key)).Select(p => seen.Pods[p.Key])],
            Flows = seen.Flows,
            Hosts = [.. discovered.Select(n => new HostReport(n.Metadata.Name, [.. (n.Status?.Addresses ?? []).Where(a => a.Type == "InternalIP").Select(a => a.Address)]))],
            HostSegmentAddresses = outside is null ? [] : [new SegmentAddress(LabExperiment.SourceHost, lab.McastsrcAddress.ToString())],
            Leftovers = leftovers,
            SetupFailure = setupFailure,
            Diagnostics = diagnostics,
        };
    }

    /// <summary>What the run saw so far: its pods as Multus left them, the flows it ran, and whether anything ran other than planned.</summary>
    private sealed class RunObservations
    {
        public Dictionary<string, PodObservation> Pods { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string?> Addresses { get; } = new(StringComparer.Ordinal);

        public List<FlowObservation> Flows { get; } = [];

        /// <summary>A container ended other than with 0, or never ended, or a pod reported a problem: worth its diagnostics.</summary>
        public bool Unusual { get; set; }
    }

    private async Task RunInNamespaceAsync(LabRequest request, ClusterPlan plan, ClusterObjects objects, RunObservations seen, CancellationToken cancellationToken)
    {
        var lab = request.Settings;
        var ns = objects.Namespace;
        await WaitForServiceAccountAsync(ns, cancellationToken);
        var apply = new ServerSideApply(client);
        foreach (var attachment in plan.Attachments) await apply.ApplyAsync(objects.Attachment(attachment), ns, cancellationToken);
        // The sender pod stands with the others only while it receives (the outside flow's receiver that names no
        // interface); it then makes way for the flows' sender pods, which need its one address.
        var sender = plan.Experiment.Pods.Single(p => p.Name == LabExperiment.SenderPod);
        var senderReceives = plan.Experiment.Flows.Any(f => f.Receivers.Any(r => r.Place == sender.Key));
        var standing = plan.Experiment.Pods.Where(p => p.Name != LabExperiment.SenderPod || senderReceives).ToList();
        foreach (var pod in standing) await apply.ApplyAsync(objects.ReceivingPod(pod), ns, cancellationToken);

        var watcher = new PodWatcher(client, log) { NamePrefix = objects.NamePrefix, PullPatience = PullPatience };
        var running = await watcher.WaitForPodsAsync(ns, objects.RunSelector, [.. standing.Select(objects.PodName)], untilEnded: false, cluster.PodTimeout, cancellationToken: cancellationToken);
        foreach (var pod in standing) Observe(pod, running[objects.PodName(pod)], plan, lab, seen);

        var outputs = new Dictionary<(string Place, string Container), ContainerOutcome>();
        var remote = StartOutsideReceivers(lab, plan, objects, cancellationToken);
        try
        {
            await Task.Delay(SettleTime, cancellationToken);
            var sent = new Dictionary<string, (ContainerOutcome Outcome, string Address)>(StringComparer.Ordinal);
            foreach (var flow in plan.Experiment.Flows)
            {
                if (flow.Sender.Place != LabExperiment.SourceHost && senderReceives)
                {
                    await ReleaseSenderReceiverAsync(plan, objects, watcher, sender, outputs, cancellationToken);
                    senderReceives = false;
                }
                sent[flow.Name] = flow.Sender.Place == LabExperiment.SourceHost
                    ? (await SendFromOutsideAsync(lab, request, flow, cancellationToken), lab.McastsrcAddress.ToString())
                    : (await SendFromPodAsync(lab, plan, objects, flow, watcher, seen, cancellationToken), plan.SenderAddress.ToString());
                if (sent[flow.Name].Outcome.ExitCode != 0) seen.Unusual = true;
            }
            if (senderReceives) await ReleaseSenderReceiverAsync(plan, objects, watcher, sender, outputs, cancellationToken);

            foreach (var (key, output) in await CollectAsync(plan, objects, watcher, cancellationToken)) outputs[key] = output;
            await FinishOutsideReceiversAsync(remote, outputs, cancellationToken);
            seen.Addresses[LabExperiment.SourceHost] = lab.McastsrcAddress.ToString();
            if (outputs.Values.Any(o => o.ExitCode != 0)) seen.Unusual = true;
            seen.Flows.AddRange(plan.Experiment.Flows.Select(flow => new FlowObservation(flow.Name, sent[flow.Name].Outcome, sent[flow.Name].Address,
                [.. flow.Receivers.Select(r => new ReceiverObservation(r.Check, outputs[(r.Place, ClusterPlan.ContainerName(flow, r))], null, seen.Addresses.GetValueOrDefault(r.Place)))])));
        }
        finally
        {
            await StopOutsideReceiversAsync(remote);
        }
    }

    /// <summary>A receiver on mcastsrc: where its output goes, its container's name there, and the run of it.</summary>
    private sealed record OutsideReceiver(string Container, string Name, Task<ContainerOutcome> Run);

    /// <summary>The receivers on mcastsrc (the two-VM lab), started with the pods: each joins when it starts and ends on its flow's end-of-test datagram.</summary>
    private List<OutsideReceiver> StartOutsideReceivers(LabSettings lab, ClusterPlan plan, ClusterObjects objects, CancellationToken cancellationToken)
    {
        var started = new List<OutsideReceiver>();
        if (outside is null) return started;
        foreach (var flow in plan.Experiment.Flows)
        {
            foreach (var receiver in flow.Receivers.Where(r => r.Place == LabExperiment.SourceHost))
            {
                var container = ClusterPlan.ContainerName(flow, receiver);
                var name = run.Name(container);
                var (image, program) = objects.Receiver(receiver);
                log.Information($"Receiver {name} on mcastsrc {lab.McastsrcAddress} for flow {flow.Name} (port {flow.Port}).");
                started.Add(new OutsideReceiver(container, name, outside.ReceiveAsync(name, image, program, objects.ReceiverArguments(flow, receiver), cancellationToken)));
            }
        }
        return started;
    }

    /// <summary>The receivers on mcastsrc get the grace the pods get; one still running then is stopped (it reports on SIGTERM).</summary>
    private async Task FinishOutsideReceiversAsync(List<OutsideReceiver> remote, Dictionary<(string Place, string Container), ContainerOutcome> outputs, CancellationToken cancellationToken)
    {
        var grace = Task.Delay(ReportGrace, cancellationToken);
        foreach (var receiver in remote)
        {
            if (await Task.WhenAny(receiver.Run, grace) != receiver.Run) await outside!.StopReceiverAsync(receiver.Name, cancellationToken);
            var output = await receiver.Run;
            outputs[(LabExperiment.SourceHost, receiver.Container)] = output;
        }
    }

    /// <summary>After a failure or Ctrl+C: what still runs on mcastsrc is stopped and removed, within its own time limit.</summary>
    private async Task StopOutsideReceiversAsync(List<OutsideReceiver> remote)
    {
        foreach (var receiver in remote.Where(r => !r.Run.IsCompleted))
        {
            using var limit = new CancellationTokenSource(RemovalWait);
            try
            {
                await outside!.StopReceiverAsync(receiver.Name, limit.Token);
                await receiver.Run.WaitAsync(limit.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or PipelineException)
            {
                log.Warning($"The receiver {receiver.Name} on mcastsrc could not be stopped ({e.Message}); remove it there with 'sudo docker rm -f {receiver.Name}'.");
            }
        }
        foreach (var receiver in remote)
        {
            // Observed, so a failed or cancelled receiver raises nothing later.
            _ = receiver.Run.Exception;
        }
    }

    /// <summary>
    /// The sender pod's own receivers (the outside flow's receiver naming no interface) have heard their flow: wait
    /// for them to end, read their outputs, then delete the pod and wait until it is gone (its address is the senders').
    /// </summary>
    private async Task ReleaseSenderReceiverAsync(ClusterPlan plan, ClusterObjects objects, PodWatcher watcher, LabPod sender,
        Dictionary<(string Place, string Container), ContainerOutcome> outputs, CancellationToken cancellationToken)
    {
        var name = objects.PodName(sender);
        var ended = await watcher.WaitForPodsAsync(objects.Namespace, objects.RunSelector, [name], untilEnded: true, ReportGrace, ReceiversEnded, cancellationToken);
        foreach (var flow in plan.Experiment.Flows)
        {
            foreach (var receiver in flow.Receivers.Where(r => r.Place == sender.Key))
            {
                var container = ClusterPlan.ContainerName(flow, receiver);
                outputs[(sender.Key, container)] = await ReceiverOutputAsync(objects.Namespace, name, container, receiver.Tool == FlowTool.IperfServer, ended.GetValueOrDefault(name), cancellationToken);
            }
        }
        await DeletePodAsync(objects.Namespace, name, cancellationToken);
    }

    /// <summary>A receiving pod is done when every container but iperf's server (which never exits by itself) ended.</summary>
    private static bool ReceiversEnded(V1Pod pod) =>
        pod.Status?.ContainerStatuses?.All(s => s.Name.StartsWith(ClusterPlan.IperfContainerPrefix, StringComparison.Ordinal) || s.State?.Terminated is not null) == true;

    /// <summary>A receiver's output from its container's log: iperf's server's text as it is, `mcast recv`'s JSON lines apart from the rest.</summary>
    private async Task<ContainerOutcome> ReceiverOutputAsync(string ns, string pod, string container, bool iperf, V1Pod? ended, CancellationToken cancellationToken)
    {
        var text = await ReadLogAsync(ns, pod, container, cancellationToken);
        var exit = ended is null ? null : ExitCode(ended, container);
        return iperf ? new ContainerOutcome(exit ?? 0, text, "") : Split(text, exit);
    }

    /// <summary>A pod as Multus left it: its network-status, and the slice of the range its attachment hands out.</summary>
    private static void Observe(LabPod pod, V1Pod live, ClusterPlan plan, LabSettings lab, RunObservations seen)
    {
        if (seen.Pods.ContainsKey(pod.Key)) return;
        var status = NetworkStatus.Entries(live.Metadata.Annotations);
        var range = plan.AttachmentOf(pod);
        seen.Addresses[pod.Key] = status.FirstOrDefault(e => e.Interface == lab.Interface) is { Ips.Count: > 0 } entry ? entry.Ips[0].Split('/')[0] : null;
        var missing = live.Metadata.Annotations?.ContainsKey(NetworkStatus.Annotation) != true;
        if (missing) seen.Unusual = true;
        seen.Pods[pod.Key] = new PodObservation(pod, status)
        {
            AttachmentRange = pod.Attached ? (range.RangeStart, range.RangeEnd) : null,
            Problems = missing ? [$"the pod has no {NetworkStatus.Annotation} annotation: Multus did not attach it"] : [],
        };
    }

    private async Task<ContainerOutcome> SendFromOutsideAsync(LabSettings lab, LabRequest request, TrafficFlow flow, CancellationToken cancellationToken)
    {
        log.Information($"Flow {flow.Name}: {flow.Sender.Tool} on mcastsrc {lab.McastsrcAddress} to {lab.Group}:{flow.Port} for {lab.DurationSeconds} s.");
        var iperf = flow.Sender.Tool == FlowTool.IperfClient;
        return await outside!.SendAsync(LabExperiment.ImageOf(flow.Sender.Tool, request.McastImage, request.IperfImage), iperf ? "iperf" : "mcast",
            LabExperiment.SenderArguments(flow.Sender, flow.Port, lab, lab.McastsrcAddress.ToString()), cancellationToken);
    }

    /// <summary>
    /// Starts the flow's sender pod, waits for it to end, reads its output (the verdict reads its count), then deletes
    /// it and waits until it is gone: the next flow's sender pod needs the sender attachment's one address.
    /// </summary>
    private async Task<ContainerOutcome> SendFromPodAsync(LabSettings lab, ClusterPlan plan, ClusterObjects objects, TrafficFlow flow, PodWatcher watcher,
        RunObservations seen, CancellationToken cancellationToken)
    {
        var pod = plan.PodAt(flow.Sender.Place)!;
        var name = objects.SenderPodName(pod, flow);
        log.Information($"Flow {flow.Name}: {name} on {pod.Node} sends to {flow.Receivers.Count} receiver(s) on port {flow.Port}.");
        await new ServerSideApply(client).ApplyAsync(objects.SenderPod(pod, flow), objects.Namespace, cancellationToken);
        // It may have to pull its image first, then sends for the lab's duration.
        var limit = cluster.PodTimeout + TimeSpan.FromSeconds(lab.DurationSeconds) + ReportGrace;
        var ended = await watcher.WaitForPodsAsync(objects.Namespace, objects.RunSelector, [name], untilEnded: true, limit, cancellationToken: cancellationToken);
        if (!ended.TryGetValue(name, out var live) || live.Status?.Phase is not ("Succeeded" or "Failed"))
        {
            throw new PipelineException($"The sender pod {objects.Namespace}/{name} did not end within {limit.TotalSeconds:0} s; its state and events are in the run's diagnostics folder.");
        }
        Observe(pod, live, plan, lab, seen);
        var text = await ReadLogAsync(objects.Namespace, name, "send", cancellationToken);
        await DeletePodAsync(objects.Namespace, name, cancellationToken);
        return new ContainerOutcome(ExitCode(live, "send") ?? -1, text, "");
    }

    /// <summary>Deletes a pod and waits, bounded, until the API server no longer has it.</summary>
    private async Task DeletePodAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: 10, cancellationToken: cancellationToken);
        var deadline = DateTime.UtcNow + RemovalWait;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        throw new PipelineException($"The pod {ns}/{name} was still terminating {RemovalWait.TotalSeconds:0} s after its deletion, so the next sender cannot have its address; check the node's kubelet ('kubectl -n {ns} get pod {name}').");
    }

    /// <summary>
    /// Every receiver's output: the control is stopped by deleting its pod (mcast recv reports on SIGTERM) while its
    /// log is followed; `mcast recv` expecting data ends by itself on the end-of-test datagram, and its pods are
    /// waited for with one watch; iperf's server never ends (it printed its report on the end-of-test datagram, which
    /// came with the others'), so its log is read once they are done. Logs are read a bounded number at a time.
    /// </summary>
    private async Task<Dictionary<(string Place, string Container), ContainerOutcome>> CollectAsync(ClusterPlan plan, ClusterObjects objects, PodWatcher watcher, CancellationToken cancellationToken)
    {
        var ns = objects.Namespace;
        var outputs = new Dictionary<(string, string), ContainerOutcome>();
        var control = plan.Experiment.Pods.Single(p => p.Name == LabExperiment.ControlPod);
        var controlReceivers = plan.Experiment.Flows.SelectMany(f => f.Receivers.Where(r => r.Place == control.Key).Select(r => ClusterPlan.ContainerName(f, r))).ToList();
        using (var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var followers = new List<(string Container, Task<ReceiverLog.Outcome> Log)>();
            foreach (var container in controlReceivers)
                followers.Add((container, await new ReceiverLog(client, log).FollowAsync(objects.PodName(control), ns, container, grace.Token)));
            await client.CoreV1.DeleteNamespacedPodAsync(objects.PodName(control), ns, gracePeriodSeconds: 10, cancellationToken: cancellationToken);
            grace.CancelAfter(ReportGrace);
            foreach (var (container, follower) in followers)
            {
                var outcome = await follower;
                outputs[(control.Key, container)] = new ContainerOutcome(outcome.Ended ? 0 : -1, outcome.JsonLines,
                    outcome.Ended ? "" : "the receiver did not report within the wait after its pod was deleted");
            }
        }
        cancellationToken.ThrowIfCancellationRequested();

        var receivers = plan.Experiment.ReceiverPods.ToList();
        var ended = await watcher.WaitForPodsAsync(ns, objects.RunSelector, [.. receivers.Select(objects.PodName)], untilEnded: true, ReportGrace, ReceiversEnded, cancellationToken);
        var reads = receivers.SelectMany(pod => plan.Experiment.Flows
            .SelectMany(f => f.Receivers.Where(r => r.Place == pod.Key).Select(r => (Pod: pod, Container: ClusterPlan.ContainerName(f, r), Iperf: r.Tool == FlowTool.IperfServer)))).ToList();
        using var bound = new SemaphoreSlim(LogConcurrency);
        var results = await Task.WhenAll(reads.Select(async read =>
        {
            await bound.WaitAsync(cancellationToken);
            try
            {
                var name = objects.PodName(read.Pod);
                return (read.Pod.Key, read.Container, Output: await ReceiverOutputAsync(ns, name, read.Container, read.Iperf, ended.GetValueOrDefault(name), cancellationToken));
            }
            finally
            {
                bound.Release();
            }
        }));
        foreach (var (key, container, output) in results) outputs[(key, container)] = output;
        return outputs;
    }

    /// <summary>A pod's log holds stdout and stderr together: the JSON lines are the report, the rest is said alongside.</summary>
    private static ContainerOutcome Split(string text, int? exitCode)
    {
        var json = new StringBuilder();
        var other = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            (line.StartsWith('{') ? json : other).AppendLine(line);
        }
        if (exitCode is null) other.Insert(0, "the receiver was still running after the wait for its report\n");
        return new ContainerOutcome(exitCode ?? -1, json.ToString(), other.ToString().Trim());
    }

    private static int? ExitCode(V1Pod pod, string container) =>
        pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == container)?.State?.Terminated?.ExitCode;

    /// <summary>
    /// A container's log. A read is a GET, so a transport failure before any answer (a kept-alive connection the
    /// server or a load balancer in front of it closed meanwhile) is tried once more on a new connection.
    /// </summary>
    private async Task<string> ReadLogAsync(string ns, string pod, string container, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, cancellationToken: cancellationToken);
                using var reader = new StreamReader(stream);
                return await reader.ReadToEndAsync(cancellationToken);
            }
            catch (HttpRequestException e) when (e.StatusCode is null && attempt == 1 && !cancellationToken.IsCancellationRequested)
            {
                log.Verbose($"Reading the log of {pod}/{container} again: {e.Message}");
            }
        }
    }

    /// <summary>The nodes that get a receiver: those of --node-selector (default all), cordoned, not-ready and untolerated tainted ones left out.</summary>
    private async Task<IReadOnlyList<V1Node>> NodesAsync(CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListNodeAsync(labelSelector: cluster.NodeSelector, cancellationToken: cancellationToken);
        var usable = list.Items
            .Where(n => n.Spec?.Unschedulable != true && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != false)
            .OrderBy(n => n.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        // With nodeName the scheduler is bypassed and the kubelet itself refuses a pod that does not tolerate a
        // NoExecute taint (and NoSchedule is what the node's owner asked for): such nodes get no pod, unless
        // --tolerate-taints names the taint.
        var tainted = usable.Where(n => UntoleratedTaint(n) is not null).ToList();
        foreach (var node in tainted) log.Information($"Node {node.Metadata.Name} is left out: it has the taint {UntoleratedTaint(node)} (name its key in --tolerate-taints to use it).");
        var nodes = usable.Except(tainted).ToList();
        if (nodes.Count == 0)
        {
            var which = cluster.NodeSelector is null ? "" : $" matching --node-selector={cluster.NodeSelector}";
            throw new PipelineException($"The cluster has no ready, schedulable, untainted node{which} ({list.Items.Count} listed, {tainted.Count} tainted); uncordon a node, change --node-selector or name the taint in --tolerate-taints, then run again.");
        }
        log.Information($"Lab on {nodes.Count} node(s): {string.Join(", ", nodes.Take(8).Select(n => n.Metadata.Name))}{(nodes.Count > 8 ? ", …" : "")}.");
        return nodes;
    }

    /// <summary>"key=value:Effect" of a NoSchedule/NoExecute taint the run does not tolerate, or null.</summary>
    private string? UntoleratedTaint(V1Node node) => (node.Spec?.Taints ?? [])
        .Where(t => t.Effect is "NoSchedule" or "NoExecute" && !cluster.TolerateTaints.Contains(t.Key, StringComparer.Ordinal))
        .Select(t => $"{t.Key}{(string.IsNullOrEmpty(t.Value) ? "" : "=" + t.Value)}:{t.Effect}")
        .FirstOrDefault();

    /// <summary>Multus must be there: its CRD is what lets the run create attachments. --install-multus applies the pinned release.</summary>
    private async Task EnsureMultusAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(MultusDefinition, cancellationToken: cancellationToken);
            return;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
        if (!cluster.InstallMultus)
        {
            throw new PipelineException($"The cluster has no Multus (no CustomResourceDefinition {MultusDefinition}); install the pinned Multus {addons.Multus.Version} with 'kubectl apply -f {addons.Multus.Url}' (image {addons.MultusImage}), or run again with --install-multus=true.");
        }
        log.Information($"Installing Multus {addons.Multus.Version} (--install-multus).");
        await new MultusInstaller(client, download, addons, log, cluster.PodTimeout).InstallAsync(cancellationToken);
    }

    /// <summary>The lab's namespace must exist and not be on its way out: manifests/rbac makes it once, a cluster admin applies that.</summary>
    private async Task EnsureNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        V1Namespace found;
        try
        {
            found = await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound && CreateMissingNamespace)
        {
            await client.CoreV1.CreateNamespaceAsync(ClusterObjects.LabNamespace(ns), cancellationToken: cancellationToken);
            log.Information($"Namespace {ns} created: the two-VM lab's kubeconfig is its cluster admin.");
            return;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new PipelineException($"The lab's namespace {ns} does not exist; have a cluster admin apply {ForbiddenRequestHandler.RbacFile} (it makes the namespace and the lab's permissions in it), or name yours with --namespace, then run again.", e);
        }
        if (found.Status?.Phase == "Terminating" || found.Metadata?.DeletionTimestamp is not null)
        {
            throw new PipelineException($"The lab's namespace {ns} is being deleted (Terminating since {found.Metadata?.DeletionTimestamp:u}); wait until 'kubectl get namespace {ns}' finds none, re-apply {ForbiddenRequestHandler.RbacFile} as a cluster admin, then run again.");
        }
    }

    /// <summary>
    /// A new namespace gets its "default" ServiceAccount from a controller a moment later; a pod sent before that
    /// is refused (403, "error looking up service account"), so the run waits for it.
    /// </summary>
    private async Task WaitForServiceAccountAsync(string ns, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + cluster.PodTimeout;
        while (true)
        {
            try
            {
                await client.CoreV1.ReadNamespacedServiceAccountAsync("default", ns, cancellationToken: cancellationToken);
                return;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new PipelineException($"The namespace {ns} got no default ServiceAccount within {cluster.PodTimeout.TotalSeconds:0} s, so no pod can be created in it; check that kube-controller-manager runs its serviceaccount controller.", e);
            }
        }
    }

    /// <summary>
    /// Removes what the run made (its pods and attachments, by its label; never the namespace), waits, bounded,
    /// until they are gone (deletion is asynchronous: pods terminate first), and returns what is still there: the
    /// cleanup check's observation. It runs after Ctrl+C too, so it has its own time limit instead of the run's token.
    /// </summary>
    private async Task<IReadOnlyList<string>> RemoveRunAsync(ClusterObjects objects)
    {
        var ns = objects.Namespace;
        using var timeout = new CancellationTokenSource(RemovalWait);
        var left = new List<string>();
        try
        {
            await client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, labelSelector: objects.RunSelector, gracePeriodSeconds: 10, cancellationToken: timeout.Token);
            await client.CustomObjects.DeleteCollectionNamespacedCustomObjectAsync("k8s.cni.cncf.io", "v1", ns, "network-attachment-definitions", labelSelector: objects.RunSelector, cancellationToken: timeout.Token);
            while (true)
            {
                left.Clear();
                var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: objects.RunSelector, cancellationToken: timeout.Token);
                left.AddRange(pods.Items.Select(p => $"pod {ns}/{p.Metadata.Name} ({(p.Metadata.DeletionTimestamp is null ? p.Status?.Phase : "Terminating")})"));
                var attachments = await client.CustomObjects.ListNamespacedCustomObjectAsync("k8s.cni.cncf.io", "v1", ns, "network-attachment-definitions", labelSelector: objects.RunSelector, cancellationToken: timeout.Token);
                var items = System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(attachments))?["items"]?.AsArray() ?? [];
                left.AddRange(items.Select(a => $"network-attachment-definition {ns}/{a?["metadata"]?["name"]?.GetValue<string>()}"));
                if (left.Count == 0) break;
                // One made after the deletion (a create in flight at Ctrl+C, which the server still carried out) is not
                // being deleted: a pod without a deletion timestamp, or any attachment (they go at once). Delete again.
                if (pods.Items.Any(p => p.Metadata.DeletionTimestamp is null))
                    await client.CoreV1.DeleteCollectionNamespacedPodAsync(ns, labelSelector: objects.RunSelector, gracePeriodSeconds: 10, cancellationToken: timeout.Token);
                if (items.Count > 0)
                    await client.CustomObjects.DeleteCollectionNamespacedCustomObjectAsync("k8s.cni.cncf.io", "v1", ns, "network-attachment-definitions", labelSelector: objects.RunSelector, cancellationToken: timeout.Token);
                await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
            }
            log.Information($"The run's pods and attachments are gone from {ns} (label {objects.RunSelector}).");
            return [];
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            log.Warning($"{left.Count} object(s) of the run in {ns} were still there {RemovalWait.TotalSeconds:0} s after their deletion; they go on their own (check with 'kubectl -n {ns} get pods,net-attach-def -l {objects.RunSelector}').");
            return left.Count > 0 ? [.. left.Select(l => $"{l} still there {RemovalWait.TotalSeconds:0} s after its deletion")] : [$"the run's objects in {ns} could not be listed within {RemovalWait.TotalSeconds:0} s of their deletion"];
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or PipelineException or System.Text.Json.JsonException)
        {
            log.Warning($"Could not remove the run's objects from {ns} ({e.Message}); remove them with 'kubectl -n {ns} delete pods,net-attach-def -l {objects.RunSelector}'.");
            return [$"the run's objects in {ns} were not removed ({e.Message.TrimEnd('.')}); remove them with 'kubectl -n {ns} delete pods,net-attach-def -l {objects.RunSelector}'"];
        }
    }
}
