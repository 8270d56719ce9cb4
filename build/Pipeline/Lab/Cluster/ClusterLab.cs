using System.Diagnostics;
using System.Net;
using System.Text;
using k8s;
using k8s.Models;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// The lab on a Kubernetes cluster with Multus (--lab-backend=cluster, by kubeconfig; --lab-backend=vagrant is
/// the same plus the two-VM lab's mcastsrc as an outside sender and its images copied onto the VMs). It lists
/// the chosen nodes, checks Multus, creates the run's own namespace, applies one attachment per node and the
/// pods of <see cref="ClusterPlan"/>, runs the flows and returns what it observed (<see cref="ExperimentVerdict"/>
/// judges). The namespace, and with it everything the run made, is deleted on success, failure and Ctrl+C.
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
        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, currentContext: cluster.KubeContext);
        }
        catch (k8s.Exceptions.KubeConfigException e)
        {
            throw new PipelineException($"The kubeconfig {path} cannot be used ({e.Message}); check it and --kube-context, then run again.", e);
        }
        var download = new PinnedDownload(new HttpClient(), log, parameters.Layout.LabDownloads);
        return new ClusterLab(Client(config), download, parameters.ClusterAddons, parameters.Images, null, log, cluster, run);
    }

    /// <summary>--lab-backend=vagrant: the two-VM lab LabUp started (its kubeconfig in artifacts/lab/), which installs its pinned Multus.</summary>
    public static ClusterLab ForVagrant(ProcessRunner runner, IBuildLog log, BuildParameters parameters, LabRunId run)
    {
        var artifacts = parameters.Layout;
        if (!File.Exists(artifacts.Kubeconfig))
        {
            throw new PipelineException($"The cluster's kubeconfig {artifacts.Kubeconfig} is missing; start the two-VM lab with ./build.sh LabUp and run again.");
        }
        var vagrant = new VagrantLab(runner, log, new BoxLayout(parameters.RepositoryRoot, parameters.Boxes), parameters);
        var download = new PinnedDownload(new HttpClient(), log, artifacts.LabDownloads);
        return new ClusterLab(Client(KubernetesClientConfiguration.BuildConfigFromConfigFile(artifacts.Kubeconfig)), download, parameters.ClusterAddons,
            parameters.Images, new VagrantHosts(runner, log, vagrant, artifacts), log, parameters.Cluster with { InstallMultus = true }, run);
    }

    /// <summary>A client whose every 403 becomes one sentence naming what was refused.</summary>
    public static Kubernetes Client(KubernetesClientConfiguration config) => new(config, new ForbiddenRequestHandler());

    /// <summary>How long the receivers get, after the last sender ended, to report and end.</summary>
    public TimeSpan ReportGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Between the receivers running and the first send: they join the group when they start.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Logs read at once: enough to keep a 200-node run short, few enough not to flood the API server.</summary>
    public int LogConcurrency { get; init; } = 16;

    private string Backend => LabSettings.BackendName(outside is null ? LabBackend.Cluster : LabBackend.Vagrant);

    public string Name => Backend;

    public LabRunId Run => run;

    private IReadOnlyList<V1Node> discovered = [];

    public async Task<BackendTopology> DiscoverAsync(LabRequest request, CancellationToken cancellationToken)
    {
        discovered = await NodesAsync(cancellationToken);
        // What this backend does not run yet: those checks are reported as not run, with these reasons.
        var lacks = new Dictionary<LabAbility, string>
        {
            [LabAbility.OutsideReceiver] = "the cluster backend runs no receiver on mcastsrc yet",
            [LabAbility.NodeReceiver] = "the cluster backend runs no receiver on a node itself",
            [LabAbility.SenderPodReceiver] = "the cluster backend's sender pod runs only its sender",
            [LabAbility.IperfServerReceiver] = "the cluster backend does not yet stop iperf's server to read its report",
            [LabAbility.CleanupObservation] = "the cluster backend deletes its namespace without watching it go",
        };
        return new BackendTopology([.. discovered.Select(n => n.Metadata.Name)], request.Settings.Pods, outside is not null, lacks);
    }

    public async Task<LabObservations> RunAsync(LabRequest request, LabExperiment experiment, CancellationToken cancellationToken)
    {
        var lab = request.Settings;
        var plan = ClusterPlan.Create(lab, experiment, outside is not null);
        await EnsureMultusAsync(cancellationToken);
        if (outside is not null) await outside.LoadImagesAsync([request.McastImage, request.IperfImage], cancellationToken);

        var ns = cluster.NamespaceFor(run.Value);
        var flows = plan.Experiment.Flows.Count;
        var lifetime = cluster.PodTimeout * (1 + flows) + TimeSpan.FromSeconds(flows * lab.DurationSeconds) + ReportGrace;
        var objects = new ClusterObjects(lab, images, plan, request, run, ns, outside is null ? ImagePolicy.Pull : ImagePolicy.Never, lifetime);
        var owned = false;
        try
        {
            try
            {
                await CreateNamespaceAsync(objects, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C while the create was on its way: a per-run name can only be ours, so it is removed if it came to be.
                owned = cluster.Namespace is null;
                throw;
            }
            owned = true;
            var (observed, pods) = await RunInNamespaceAsync(request, plan, objects, cancellationToken);
            return new LabObservations
            {
                Location = $"namespace {ns} (Multus {addons.MultusImage})",
                Pods = pods,
                Flows = observed,
                Hosts = [.. discovered.Select(n => new HostReport(n.Metadata.Name, [.. (n.Status?.Addresses ?? []).Where(a => a.Type == "InternalIP").Select(a => a.Address)]))],
                HostSegmentAddresses = outside is null ? [] : [new SegmentAddress(LabExperiment.SourceHost, lab.McastsrcAddress.ToString())],
            };
        }
        finally
        {
            if (owned) await DeleteNamespaceAsync(ns);
        }
    }

    private async Task<(List<FlowObservation> Flows, List<PodObservation> Pods)> RunInNamespaceAsync(LabRequest request, ClusterPlan plan, ClusterObjects objects, CancellationToken cancellationToken)
    {
        var lab = request.Settings;
        var ns = objects.Namespace;
        await WaitForServiceAccountAsync(ns, cancellationToken);
        var apply = new ServerSideApply(client);
        foreach (var attachment in plan.Attachments) await apply.ApplyAsync(objects.Attachment(attachment), ns, cancellationToken);
        var standing = plan.Experiment.Pods.Where(p => p.Name != LabExperiment.SenderPod).ToList();
        foreach (var pod in standing) await apply.ApplyAsync(objects.ReceivingPod(pod), ns, cancellationToken);

        var watcher = new PodWatcher(client, log);
        var running = await watcher.WaitForPodsAsync(ns, objects.RunSelector, [.. standing.Select(p => p.Name)], untilEnded: false, cluster.PodTimeout, cancellationToken);
        var addresses = new Dictionary<string, string?>(StringComparer.Ordinal);
        var pods = new List<PodObservation>();
        foreach (var pod in standing)
        {
            pods.Add(Observe(pod, running[pod.Name], plan, lab, addresses));
        }

        await Task.Delay(SettleTime, cancellationToken);
        var sent = new Dictionary<string, (ContainerOutcome Outcome, string Address)>(StringComparer.Ordinal);
        foreach (var flow in plan.Experiment.Flows)
        {
            sent[flow.Name] = flow.Sender.Place == LabExperiment.SourceHost
                ? (await SendFromOutsideAsync(request, flow, cancellationToken), lab.McastsrcAddress.ToString())
                : (await SendFromPodAsync(lab, plan, objects, flow, watcher, pods, addresses, cancellationToken), plan.SenderAddress.ToString());
        }

        var outputs = await CollectAsync(plan, objects, watcher, cancellationToken);
        var observed = plan.Experiment.Flows.Select(flow => new FlowObservation(flow.Name, sent[flow.Name].Outcome, sent[flow.Name].Address,
            [.. flow.Receivers.Select(r => new ReceiverObservation(r.Check, outputs[(r.Place, ClusterPlan.ContainerName(flow))], null, addresses.GetValueOrDefault(r.Place)))])).ToList();
        return (observed, pods);
    }

    /// <summary>A pod as Multus left it: its network-status, and the slice of the range its attachment hands out.</summary>
    private static PodObservation Observe(LabPod pod, V1Pod live, ClusterPlan plan, LabSettings lab, Dictionary<string, string?> addresses)
    {
        var status = NetworkStatus.Entries(live.Metadata.Annotations);
        var range = plan.AttachmentOf(pod);
        addresses[pod.Key] = status.FirstOrDefault(e => e.Interface == lab.Interface) is { Ips.Count: > 0 } entry ? entry.Ips[0] : null;
        var missing = live.Metadata.Annotations?.ContainsKey(NetworkStatus.Annotation) != true;
        return new PodObservation(pod, status)
        {
            AttachmentRange = pod.Attached ? (range.RangeStart, range.RangeEnd) : null,
            Problems = missing ? [$"the pod has no {NetworkStatus.Annotation} annotation: Multus did not attach it"] : [],
        };
    }

    private async Task<ContainerOutcome> SendFromOutsideAsync(LabRequest request, TrafficFlow flow, CancellationToken cancellationToken)
    {
        var lab = request.Settings with { Port = flow.Port };
        log.Information($"Flow {flow.Name}: iperf on mcastsrc {lab.McastsrcAddress} to {lab.Group}:{flow.Port} for {lab.DurationSeconds} s.");
        return await outside!.SendAsync(request.IperfImage, lab, cancellationToken);
    }

    /// <summary>Starts the sender pod, waits for it to end, and returns its exit code and output (the verdict reads its count).</summary>
    private async Task<ContainerOutcome> SendFromPodAsync(LabSettings lab, ClusterPlan plan, ClusterObjects objects, TrafficFlow flow, PodWatcher watcher,
        List<PodObservation> pods, Dictionary<string, string?> addresses, CancellationToken cancellationToken)
    {
        var pod = plan.PodAt(flow.Sender.Place)!;
        log.Information($"Flow {flow.Name}: {pod.Name} on {pod.Node} sends to {flow.Receivers.Count} receiver(s) on port {flow.Port}.");
        await new ServerSideApply(client).ApplyAsync(objects.SenderPod(pod, flow), objects.Namespace, cancellationToken);
        // It may have to pull its image first, then sends for the lab's duration.
        var limit = cluster.PodTimeout + TimeSpan.FromSeconds(lab.DurationSeconds) + ReportGrace;
        var ended = await watcher.WaitForPodsAsync(objects.Namespace, objects.RunSelector, [pod.Name], untilEnded: true, limit, cancellationToken);
        if (!ended.TryGetValue(pod.Name, out var live) || live.Status?.Phase is not ("Succeeded" or "Failed"))
        {
            throw new PipelineException($"The sender pod {objects.Namespace}/{pod.Name} did not end within {limit.TotalSeconds:0} s; see 'kubectl -n {objects.Namespace} describe pod {pod.Name}'.");
        }
        if (pods.All(p => p.Pod.Key != pod.Key)) pods.Add(Observe(pod, live, plan, lab, addresses));
        var text = await ReadLogAsync(objects.Namespace, pod.Name, "send", cancellationToken);
        return new ContainerOutcome(ExitCode(live, "send") ?? -1, text, "");
    }

    /// <summary>
    /// Every receiver's output: the control is stopped by deleting its pod (mcast recv reports on SIGTERM) while its
    /// log is followed; the others end by themselves on the end-of-test datagram, and are waited for with one
    /// watch, then their logs read, a bounded number at a time.
    /// </summary>
    private async Task<Dictionary<(string Place, string Container), ContainerOutcome>> CollectAsync(ClusterPlan plan, ClusterObjects objects, PodWatcher watcher, CancellationToken cancellationToken)
    {
        var ns = objects.Namespace;
        var outputs = new Dictionary<(string, string), ContainerOutcome>();
        var control = plan.Experiment.Pods.Single(p => p.Name == LabExperiment.ControlPod);
        var controlFlows = plan.Experiment.Flows.Where(f => f.Receivers.Any(r => r.Place == control.Key)).ToList();
        using (var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var followers = new List<(TrafficFlow Flow, Task<ReceiverLog.Outcome> Log)>();
            foreach (var flow in controlFlows)
                followers.Add((flow, await new ReceiverLog(client, log).FollowAsync(control.Name, ns, ClusterPlan.ContainerName(flow), grace.Token)));
            await client.CoreV1.DeleteNamespacedPodAsync(control.Name, ns, gracePeriodSeconds: 10, cancellationToken: cancellationToken);
            grace.CancelAfter(ReportGrace);
            foreach (var (flow, follower) in followers)
            {
                var outcome = await follower;
                outputs[(control.Key, ClusterPlan.ContainerName(flow))] = new ContainerOutcome(outcome.Ended ? 0 : -1, outcome.JsonLines,
                    outcome.Ended ? "" : "the receiver did not report within the wait after its pod was deleted");
            }
        }
        cancellationToken.ThrowIfCancellationRequested();

        var receivers = plan.Experiment.ReceiverPods.ToList();
        var ended = await watcher.WaitForPodsAsync(ns, objects.RunSelector, [.. receivers.Select(p => p.Name)], untilEnded: true, ReportGrace, cancellationToken);
        var reads = receivers.SelectMany(pod => plan.Experiment.Flows
            .Where(f => f.Receivers.Any(r => r.Place == pod.Key))
            .Select(flow => (Pod: pod, Container: ClusterPlan.ContainerName(flow)))).ToList();
        using var bound = new SemaphoreSlim(LogConcurrency);
        var results = await Task.WhenAll(reads.Select(async read =>
        {
            await bound.WaitAsync(cancellationToken);
            try
            {
                var text = await ReadLogAsync(ns, read.Pod.Name, read.Container, cancellationToken);
                var exit = ended.TryGetValue(read.Pod.Name, out var live) ? ExitCode(live, read.Container) : null;
                return (read.Pod.Key, read.Container, Output: Split(text, exit));
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

    private async Task<string> ReadLogAsync(string ns, string pod, string container, CancellationToken cancellationToken)
    {
        using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, cancellationToken: cancellationToken);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <summary>The nodes that get a receiver: those of --node-selector (default all), cordoned and not-ready ones left out.</summary>
    private async Task<IReadOnlyList<V1Node>> NodesAsync(CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListNodeAsync(labelSelector: cluster.NodeSelector, cancellationToken: cancellationToken);
        var nodes = list.Items
            .Where(n => n.Spec?.Unschedulable != true && n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != false)
            .OrderBy(n => n.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        if (nodes.Count == 0)
        {
            var which = cluster.NodeSelector is null ? "" : $" matching --node-selector={cluster.NodeSelector}";
            throw new PipelineException($"The cluster has no ready, schedulable node{which} ({list.Items.Count} listed); uncordon a node or change --node-selector, then run again.");
        }
        log.Information($"Lab on {nodes.Count} node(s): {string.Join(", ", nodes.Take(8).Select(n => n.Metadata.Name))}{(nodes.Count > 8 ? ", …" : "")}.");
        return nodes;
    }

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

    private async Task CreateNamespaceAsync(ClusterObjects objects, CancellationToken cancellationToken)
    {
        var body = k8s.KubernetesJson.Deserialize<V1Namespace>(objects.NamespaceObject().ToJsonString());
        try
        {
            await client.CoreV1.CreateNamespaceAsync(body, cancellationToken: cancellationToken);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Never take over (and later delete) a namespace the run did not create.
            throw new PipelineException($"The namespace {objects.Namespace} already exists and the lab deletes its namespace at the end; name a new one with --namespace, or leave it empty for mcastlab-RUN.", e);
        }
        log.Information($"Namespace {objects.Namespace} created (label {objects.RunSelector}).");
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

    /// <summary>Deletes the run's namespace, and so all it holds; a failure here is reported, not thrown over the result.</summary>
    private async Task DeleteNamespaceAsync(string ns)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await client.CoreV1.DeleteNamespaceAsync(ns, propagationPolicy: "Background", cancellationToken: timeout.Token);
            log.Information($"Namespace {ns} deleted, with everything the run made in it.");
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException or PipelineException or System.Text.Json.JsonException)
        {
            log.Warning($"Could not delete namespace {ns} ({e.Message}); delete it with 'kubectl delete namespace {ns}'.");
        }
    }
}
