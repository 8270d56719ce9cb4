using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// The cluster backend of Lab (--lab-backend=vagrant) on the two-VM lab LabUp started: the images onto the
/// VMs, Multus from its pinned manifest, the generated NetworkAttachmentDefinition and receiver pod(s) by
/// server-side apply, then per pod: its attachment from Multus' network-status, and the walkthrough's
/// iperf sender on mcastsrc received by `mcast recv` in the pod. The pods and the attachment are removed
/// again on success, failure and Ctrl+C.
/// </summary>
public sealed class ClusterLab(IKubernetes client, PinnedDownload download, ClusterAddonPins addons, IClusterHosts hosts, IBuildLog log, ClusterSettings cluster) : ILabBackend
{
    public const string Backend = "vagrant";

    /// <summary>The backend for --lab-backend=vagrant, on the lab LabUp started (its kubeconfig in artifacts/lab/).</summary>
    public static ClusterLab Create(ProcessRunner runner, IBuildLog log, BuildParameters parameters)
    {
        var layout = new BoxLayout(parameters.RepositoryRoot, parameters.Boxes);
        if (!File.Exists(layout.Kubeconfig))
        {
            throw new PipelineException($"The cluster's kubeconfig {layout.Kubeconfig} is missing; start the two-VM lab with ./build.sh LabUp and run again.");
        }
        var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(layout.Kubeconfig));
        var vagrant = new VagrantLab(runner, log, layout, parameters);
        var download = new PinnedDownload(new HttpClient(), log, Path.Combine(layout.LabDirectory, "downloads"));
        return new ClusterLab(client, download, parameters.ClusterAddons, new VagrantHosts(runner, log, vagrant, layout, parameters.Boxes), log, parameters.Cluster);
    }

    /// <summary>How long the receiver gets, after the sender finished, to report its summary and end.</summary>
    public TimeSpan ReportGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Between opening the pods' logs and sending: the receivers join the group when they start.</summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(2);

    public async Task<LabReport> RunAsync(LabRequest request, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var lab = request.Settings;
        var manifests = LabDocuments.Read(request.ManifestsDirectory);

        await hosts.LoadImagesAsync([request.McastImage, request.IperfImage], cancellationToken);
        await new MultusInstaller(client, download, addons, log, cluster.PodTimeout).InstallAsync(cancellationToken);

        var applied = new List<AppliedObject>();
        var checks = new List<LabCheck>();
        var podReports = new List<PodReport>();
        try
        {
            var apply = new ServerSideApply(client);
            foreach (var document in manifests.Attachments.Concat(manifests.ReceiverPods.Select(pod => LabDocuments.WithReceiverImage(pod, request.McastImage))))
            {
                applied.Add(await apply.ApplyAsync(document, cluster.Namespace, cancellationToken));
            }
            var pods = applied.Where(a => a.Kind.Kind == "Pod").ToList();
            var watcher = new PodWatcher(client, log);
            var followers = new List<(string Check, string? Address, Task<ReceiverLog.Outcome> Log)>();
            using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            for (var i = 0; i < pods.Count; i++)
            {
                var name = $"pod-{i + 1}";
                var pod = await watcher.WaitForRunningAsync(pods[i].Name, pods[i].Namespace!, cluster.PodTimeout, cancellationToken);
                var attachment = NetworkStatus.Check(pod.Metadata.Annotations, lab);
                podReports.Add(new PodReport(pod.Spec.NodeName ?? "", pods[i].Name, NetworkStatus.Entries(pod.Metadata.Annotations)));
                checks.Add(new LabCheck { Name = $"{name}/attachment", Passed = attachment.Passed, PodAddress = attachment.Address, Detail = $"{pods[i].Name}: {attachment.Detail}" });
                var container = pod.Spec.Containers.Count > 1 ? pod.Spec.Containers.First(c => c.Command?.FirstOrDefault() == "mcast").Name : null;
                followers.Add(($"{name}/iperf-to-mcast", attachment.Address,
                    await new ReceiverLog(client, log).FollowAsync(pods[i].Name, pods[i].Namespace!, container, following.Token)));
            }

            await Task.Delay(SettleTime, cancellationToken);
            log.Information($"Sending from {lab.McastsrcAddress} to {lab.Group}:{lab.Port} for {lab.DurationSeconds} s (iperf on mcastsrc).");
            var sent = await hosts.SendAsync(request.IperfImage, lab, cancellationToken);

            following.CancelAfter(ReportGrace);
            foreach (var (check, address, outcome) in followers)
            {
                checks.Add(Judge(check, address, sent, await outcome, lab));
            }
        }
        finally
        {
            await RemoveAsync(applied);
        }

        return new LabReport
        {
            Backend = Backend,
            Started = started,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 1),
            Checks = checks,
            Pods = podReports,
            Hosts = [new HostReport(LabExperiment.SourceHost, [lab.McastsrcAddress.ToString()]), new HostReport("k8s", [lab.K8sAddress.ToString()])],
            Run = new Dictionary<string, string>
            {
                ["group"] = lab.Group.ToString(),
                ["port"] = lab.Port.ToString(CultureInfo.InvariantCulture),
                ["sender"] = $"iperf on mcastsrc {lab.McastsrcAddress}, ttl {lab.Ttl}, {lab.DurationSeconds} s at {lab.Rate}",
                ["receiver"] = request.McastImage,
                ["iperf-image"] = request.IperfImage,
                ["multus"] = addons.MultusImage,
                ["namespace"] = cluster.Namespace,
            },
        };
    }

    /// <summary>
    /// The receiver's verdict, by the lab's one verdict: the walkthrough's flow (iperf on mcastsrc → `mcast recv`
    /// on eth1 in the pod), the sender's count from its own output, only mcastsrc's stream counted.
    /// </summary>
    public static LabCheck Judge(string name, string? podAddress, ContainerOutcome sender, ReceiverLog.Outcome outcome, Parameters.LabSettings lab)
    {
        var receiver = new FlowReceiver(name, FlowDirection.OutsideToPod, name, FlowTool.McastRecv, lab.Interface, Expectation.Everything);
        var flow = new TrafficFlow("outside-to-pods", lab.Port, new FlowSender(LabExperiment.SourceHost, FlowTool.IperfClient, SourceChoice.Bind), [receiver]);
        // A log that never reached its end line is a receiver that never finished: no report to judge.
        var output = new ContainerOutcome(outcome.Ended ? 0 : -1, outcome.Ended ? outcome.JsonLines : "", outcome.Ended ? "" : "the receiver did not finish within the wait after the sender ended");
        return FlowVerdict.Judge(flow, receiver, sender, output, null, LabTraffic.MinimumDatagrams(lab.Rate, lab.DurationSeconds),
            lab.McastsrcAddress.ToString(), podAddress);
    }

    /// <summary>Removes what the run applied, pods first; a failure here is reported, not thrown over the result.</summary>
    private async Task RemoveAsync(List<AppliedObject> applied)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var item in Enumerable.Reverse(applied))
        {
            try
            {
                if (item.Kind.Kind == "Pod")
                    await client.CoreV1.DeleteNamespacedPodAsync(item.Name, item.Namespace, gracePeriodSeconds: 0, cancellationToken: timeout.Token);
                else
                    await client.CustomObjects.DeleteNamespacedCustomObjectAsync(item.Kind.Group, item.Kind.Version, item.Namespace, item.Kind.Plural, item.Name, cancellationToken: timeout.Token);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
            {
                log.Warning($"Could not remove {item.Kind.Kind} {item.Namespace}/{item.Name} ({e.Message}); remove it with kubectl.");
            }
        }
    }
}

/// <summary>The lab's generated documents the cluster backend applies: attachments, and pods that run `mcast recv`.</summary>
public sealed record LabDocuments(IReadOnlyList<JsonObject> Attachments, IReadOnlyList<JsonObject> ReceiverPods)
{
    public static LabDocuments Read(string directory)
    {
        var documents = Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .SelectMany(f => YamlDocuments.Parse(File.ReadAllText(f)))
                .ToList()
            : [];
        var attachments = documents.Where(d => Kind(d) == "NetworkAttachmentDefinition").ToList();
        var receivers = documents.Where(d => Kind(d) == "Pod" && RunsReceiver(d)).ToList();
        if (attachments.Count == 0 || receivers.Count == 0)
        {
            throw new PipelineException($"{directory} holds no NetworkAttachmentDefinition and receiver pod (a pod running 'mcast recv'); generate them with ./build.sh Manifests.");
        }
        return new LabDocuments(attachments, receivers);
    }

    /// <summary>
    /// The pod with its receiver running the image under test. The VMs reach no registry: the image was copied
    /// onto the nodes, so it must be used as it is there, never pulled.
    /// </summary>
    public static JsonObject WithReceiverImage(JsonObject pod, string image)
    {
        var copy = (JsonObject)pod.DeepClone();
        foreach (var container in copy["spec"]!["containers"]!.AsArray().OfType<JsonObject>().Where(IsReceiver))
        {
            container["image"] = image;
            container["imagePullPolicy"] = "IfNotPresent";
        }
        return copy;
    }

    private static string? Kind(JsonObject document) => document["kind"]?.GetValue<string>();

    private static bool RunsReceiver(JsonObject pod) =>
        pod["spec"]?["containers"] is JsonArray containers && containers.OfType<JsonObject>().Any(IsReceiver);

    private static bool IsReceiver(JsonObject container) =>
        container["command"] is JsonArray { Count: > 0 } command && command[0]?.GetValue<string>() == "mcast"
        && container["args"] is JsonArray { Count: > 0 } args && args[0]?.GetValue<string>() == "recv";
}
