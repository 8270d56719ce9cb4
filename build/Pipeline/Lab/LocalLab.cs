using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using McastLab.Pipeline.Cni;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab;

/// <summary>Knobs of the local backend that tests change; the defaults are the real thing.</summary>
public sealed record LocalLabOptions
{
    /// <summary>Where the CNI plugins are; null looks in /usr/lib/cni and /opt/cni/bin.</summary>
    public string? CniPluginDirectory { get; init; }

    /// <summary>Where runs keep their lock and IPAM state.</summary>
    public string StateRoot { get; init; } = LabRunLock.StateRoot;

    /// <summary>How long receivers get after the sender ended to finish on its end-of-test datagram.</summary>
    public TimeSpan ReceiverGrace { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The lab on one machine with the real parts (DESIGN.md, "The default lab needs no VMs"): hosts as network
/// namespaces, pods as containers whose eth1 the real macvlan and host-local plugins make from the generated
/// NetworkAttachmentDefinition, the built images sending and receiving. Checks, in the walkthrough's order:
/// outside Kubernetes; iperf → every pod's mcast receiver; a pod without the attachment hears nothing; mcast →
/// iperf's receiver in a pod; and finally that nothing of the run is left.
/// </summary>
public sealed class LocalLab(ProcessRunner runner, IBuildLog log, LocalLabOptions? options = null) : ILabBackend
{
    private readonly LocalLabOptions options = options ?? new LocalLabOptions();
    private readonly NetworkNamespaces namespaces = new(runner);

    /// <summary>This run's prefix (known before it starts, so a test can find its containers).</summary>
    public LabRunId Run { get; } = LabRunId.New();

    public async Task<LabReport> RunAsync(LabRequest request, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        if (!Environment.IsPrivilegedProcess)
        {
            throw new PipelineException("The local lab creates network namespaces and runs CNI plugins, which needs root; run it as root (sudo ./build.sh Lab).");
        }
        if (request.Settings.Group.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new PipelineException($"The local lab runs the walkthrough's IPv4 segment, so --group must be an IPv4 multicast address such as 224.0.67.67, not {request.Settings.Group}.");
        }
        var nadConfig = NetworkAttachmentFile.ReadCniConfig(Path.Combine(request.ManifestsDirectory, NetworkAttachmentFile.FileName));
        var cni = new CniPlugin(runner, options.CniPluginDirectory ?? CniPlugin.FindPluginDirectory());
        foreach (var plugin in PodAttachment.RequiredPlugins(nadConfig))
        {
            if (!File.Exists(Path.Combine(cni.PluginDirectory, plugin)))
            {
                throw new PipelineException($"The CNI plugin '{plugin}' that the NetworkAttachmentDefinition needs is not in {cni.PluginDirectory}; install it with 'apt-get install -y containernetworking-plugins' or run ./build.sh Prerequisites.");
            }
        }

        using var docker = await DockerConnection.ConnectAsync(null, cancellationToken);
        foreach (var image in new[] { request.McastImage, request.IperfImage })
        {
            try
            {
                await docker.Images.InspectImageAsync(image, cancellationToken);
            }
            catch (DockerImageNotFoundException)
            {
                throw new PipelineException($"The image {image} is not in the Docker engine; build it with './build.sh Images' (Lab depends on it), then run again.");
            }
        }

        await new LabLeftovers(docker, namespaces, log, options.StateRoot).RemoveStaleAsync(Run, cancellationToken);
        log.Information($"Lab run {Run}: {request.Settings.Nodes} node(s) × {request.Settings.Pods} pod(s), group {request.Settings.Group}:{request.Settings.Port}, {request.Settings.Rate} for {request.Settings.DurationSeconds} s.");

        var checks = new List<LabCheck>();
        var attachments = new ConcurrentBag<PodAttachment>();
        using (var runLock = LabRunLock.Acquire(Run, options.StateRoot))
        {
            var ipamDirectory = Path.Combine(LabRunLock.StateDirectory(Run, options.StateRoot), "ipam");
            var config = PodAttachment.ForRun(nadConfig, ipamDirectory);
            try
            {
                await ExperimentAsync(request, docker, cni, config, checks, attachments, cancellationToken);
            }
            catch (Exception e) when (e is PipelineException or DockerApiException && !cancellationToken.IsCancellationRequested)
            {
                log.Error(e.Message);
                checks.Add(new LabCheck { Name = "lab-setup", Passed = false, Detail = e.Message });
            }
            finally
            {
                checks.Add(await CleanupAsync(docker, attachments, ipamDirectory, request.Settings.NetworkName));
            }
        }

        return new LabReport
        {
            Backend = "local",
            Started = started,
            DurationSeconds = Math.Round(watch.Elapsed.TotalSeconds, 1),
            Run = new Dictionary<string, string>
            {
                ["run"] = Run.Value,
                ["group"] = $"{request.Settings.Group}:{request.Settings.Port}",
                ["nodes"] = request.Settings.Nodes.ToString(CultureInfo.InvariantCulture),
                ["podsPerNode"] = request.Settings.Pods.ToString(CultureInfo.InvariantCulture),
                ["rate"] = request.Settings.Rate,
                ["durationSeconds"] = request.Settings.DurationSeconds.ToString(CultureInfo.InvariantCulture),
                ["mcastImage"] = request.McastImage,
                ["iperfImage"] = request.IperfImage,
            },
            Checks = checks,
        };
    }

    private async Task ExperimentAsync(LabRequest request, DockerClient docker, CniPlugin cni, string config, List<LabCheck> checks, ConcurrentBag<PodAttachment> attachments, CancellationToken cancellationToken)
    {
        var s = request.Settings;
        var containers = new LabContainers(docker, Run);
        // Hosts and pod sandboxes only hold a namespace with `sleep infinity`: the iperf image has a Debian
        // userland for that, the mcast image (scratch: the binary and its libraries) has nothing but mcast.
        var sandboxImage = request.IperfImage;
        var topology = new LabTopology(namespaces, containers, Run, s, sandboxImage);
        await topology.BuildAsync(cancellationToken);
        log.Information($"Hosts up: {string.Join(", ", topology.Nodes)} and {LabTopology.SourceHost}, joined on {s.Interface} ({(s.Nodes == 1 ? "veth pair" : "bridge")}).");

        var minimum = LabTraffic.MinimumDatagrams(s.Rate, s.DurationSeconds);
        var senderLimit = TimeSpan.FromSeconds(s.DurationSeconds + 30);
        var send = new LabSend(containers, log, s.Group);
        var source = topology.Host(LabTopology.SourceHost);
        var text = (int n) => n.ToString(CultureInfo.InvariantCulture);
        var group = s.Group.ToString();
        string[] iperfSender = ["-c", group, "-u", "--ttl", text(s.Ttl), "-t", text(s.DurationSeconds), "-b", s.Rate, "-B", s.McastsrcAddress.ToString(), "-p", text(s.Port)];
        string[] McastReceiver(string interfaceName, bool expect) =>
        [
            "recv", "--group", group, "--port", text(s.Port), "--interface", interfaceName, "--format", "json",
            "--duration", text(s.DurationSeconds + 60),
            .. expect ? new[] { "--expect-packets", minimum.ToString(CultureInfo.InvariantCulture), "--max-loss", "0" } : [],
        ];

        // 1. Outside Kubernetes, as the walkthrough starts: iperf on mcastsrc, a receiver on k8s's eth1.
        var node = topology.Nodes[0];
        var outside = await send.RunAsync(
            [new ReceiverSpec($"{node}-recv", topology.Host(node), request.McastImage, McastReceiver(s.Interface, true), s.Interface)],
            new SenderSpec("mcastsrc-iperf-1", source, request.IperfImage, iperfSender), senderLimit, options.ReceiverGrace, cancellationToken);
        checks.Add(ReceiverVerdict.McastReceiver("outside-kubernetes", outside.Receivers[0], outside.Sender,
            ReceiverVerdict.IperfDataSent(outside.Sender), minimum, s.K8sAddress.ToString(), !outside.NotJoined.Contains(0)));

        // 2. The pods: N per node, each with its own macvlan child of the node's eth1; one without the attachment.
        var pods = topology.Nodes.SelectMany(n => Enumerable.Range(1, s.Pods).Select(j => (Node: n, Name: $"pod-{j}"))).ToList();
        var iperfPod = (Node: topology.Nodes[^1], Name: "iperf-pod");
        var sandboxes = new ConcurrentDictionary<string, (LabContainer Sandbox, PodAttachment? Attachment)>();
        var all = pods.Select(p => (p.Node, p.Name, Attached: true))
            .Append((Node: iperfPod.Node, Name: iperfPod.Name, Attached: true))
            .Append((Node: node, Name: "no-attachment", Attached: false))
            .ToList();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (pod, token) =>
        {
            var sandbox = await containers.StartSandboxAsync($"{pod.Node}-{pod.Name}", "pod", sandboxImage, token);
            PodAttachment? attachment = null;
            if (pod.Attached)
            {
                attachment = new PodAttachment(cni, config, topology.Namespace(pod.Node), $"{pod.Node}-{pod.Name}", sandbox, s.Interface);
                attachments.Add(attachment);
                await attachment.AddAsync(token);
            }
            sandboxes[$"{pod.Node}/{pod.Name}"] = (sandbox, attachment);
        });
        checks.Add(AttachmentVerdict(all.Where(p => p.Attached).Select(p => sandboxes[$"{p.Node}/{p.Name}"].Attachment!).ToList(), s));
        log.Information($"Pods attached: {string.Join(", ", all.Where(p => p.Attached).Select(p => $"{p.Node}/{p.Name} {sandboxes[$"{p.Node}/{p.Name}"].Attachment!.Address}"))}.");

        var receivers = pods.Select(p => new ReceiverSpec($"{p.Node}-{p.Name}-recv", sandboxes[$"{p.Node}/{p.Name}"].Sandbox, request.McastImage, McastReceiver(s.Interface, true), s.Interface))
            .Append(new ReceiverSpec($"{node}-no-attachment-recv", sandboxes[$"{node}/no-attachment"].Sandbox, request.McastImage, McastReceiver("lo", false), "lo"))
            .ToList();
        var toPods = await send.RunAsync(receivers, new SenderSpec("mcastsrc-iperf-2", source, request.IperfImage, iperfSender), senderLimit, options.ReceiverGrace, cancellationToken);
        var sent = ReceiverVerdict.IperfDataSent(toPods.Sender);
        for (var i = 0; i < pods.Count; i++)
        {
            var key = $"{pods[i].Node}/{pods[i].Name}";
            checks.Add(ReceiverVerdict.McastReceiver(key, toPods.Receivers[i], toPods.Sender, sent, minimum, sandboxes[key].Attachment!.Address, !toPods.NotJoined.Contains(i)));
        }
        checks.Add(ReceiverVerdict.NegativeControl("negative-control", toPods.Receivers[^1], !toPods.NotJoined.Contains(pods.Count)));

        // 3. The other way round: our sender, iperf 2's receiver in a pod (on the last node, so across the switch).
        var iperfKey = $"{iperfPod.Node}/{iperfPod.Name}";
        string[] iperfReceiver = ["-s", "-u", "-B", $"{group}%{s.Interface}", "-i", "1", "-p", text(s.Port)];
        string[] mcastSender = ["send", "--group", group, "--port", text(s.Port), "--bind", s.McastsrcAddress.ToString(), "--ttl", text(s.Ttl), "--rate", s.Rate, "--duration", text(s.DurationSeconds)];
        var toIperf = await send.RunAsync(
            [new ReceiverSpec($"{iperfPod.Node}-{iperfPod.Name}-recv", sandboxes[iperfKey].Sandbox, request.IperfImage, iperfReceiver, s.Interface)],
            new SenderSpec("mcastsrc-mcast", source, request.McastImage, mcastSender), senderLimit, TimeSpan.FromSeconds(2), cancellationToken);
        checks.Add(ReceiverVerdict.IperfReceiver(iperfKey, toIperf.Receivers[0], toIperf.Sender, ReceiverVerdict.McastSent(toIperf.Sender), minimum,
            sandboxes[iperfKey].Attachment!.Address, !toIperf.NotJoined.Contains(0)));
    }

    /// <summary>Every attachment got a distinct address inside the NAD's range, and CHECK agreed with ADD.</summary>
    private static LabCheck AttachmentVerdict(List<PodAttachment> attachments, LabSettings s)
    {
        var problems = new List<string>();
        foreach (var a in attachments)
        {
            if (a.Address is null || !System.Net.IPAddress.TryParse(a.Address, out var address)
                || LabSettings.Compare(address, s.RangeStart) < 0 || LabSettings.Compare(address, s.RangeEnd) > 0)
            {
                problems.Add($"{a.PodName} got {a.Address ?? "no address"}, outside {s.RangeStart}-{s.RangeEnd}");
            }
            if (a.CheckFailure is { } failure) problems.Add($"{a.PodName}: {failure.TrimEnd('.')}");
        }
        var duplicates = attachments.GroupBy(a => a.Address).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0) problems.Add($"addresses given twice: {string.Join(", ", duplicates)}");
        return new LabCheck
        {
            Name = "cni-attachments",
            Passed = problems.Count == 0,
            Detail = problems.Count == 0
                ? $"CNI ADD gave {attachments.Count} pod(s) an {s.Interface} with distinct addresses in {s.RangeStart}-{s.RangeEnd}; CHECK passed for each."
                : string.Join("; ", problems) + ".",
        };
    }

    /// <summary>
    /// Removes everything of this run whatever happened before (CNI DEL while the pod namespaces still
    /// exist, then every container with the run label, then the namespaces), and checks that nothing is left.
    /// </summary>
    private async Task<LabCheck> CleanupAsync(DockerClient docker, IEnumerable<PodAttachment> attachments, string ipamDirectory, string networkName)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var token = limit.Token;
        var problems = new List<string>();
        foreach (var attachment in attachments)
        {
            try
            {
                await attachment.DeleteAsync(token);
            }
            catch (Exception e) when (e is PipelineException or OperationCanceledException)
            {
                problems.Add($"CNI DEL for {attachment.PodName}: {e.Message}");
            }
        }
        var leases = Directory.Exists(Path.Combine(ipamDirectory, networkName))
            ? Directory.GetFiles(Path.Combine(ipamDirectory, networkName)).Select(Path.GetFileName).Where(f => f != "lock" && !f!.StartsWith("last_reserved_ip", StringComparison.Ordinal)).ToList()
            : [];
        if (leases.Count > 0) problems.Add($"IPAM leases left after DEL: {string.Join(", ", leases)}");

        try
        {
            await LabContainers.RemoveAsync(docker, await LabContainers.ListAsync(docker, Run, token), token);
            foreach (var name in LabTopology.NamespacesOf(Run)) await namespaces.DeleteAsync(name, token);
            var containersLeft = await LabContainers.ListAsync(docker, Run, token);
            var namespacesLeft = LabTopology.NamespacesOf(Run).ToList();
            if (containersLeft.Count > 0) problems.Add($"containers left: {string.Join(", ", containersLeft.SelectMany(c => c.Names))}");
            if (namespacesLeft.Count > 0) problems.Add($"namespaces left: {string.Join(", ", namespacesLeft)}");
        }
        catch (Exception e) when (e is PipelineException or DockerApiException or OperationCanceledException)
        {
            problems.Add($"removal failed: {e.Message}");
        }
        var stateDirectory = LabRunLock.StateDirectory(Run, options.StateRoot);
        if (Directory.Exists(stateDirectory)) Directory.Delete(stateDirectory, recursive: true);

        foreach (var problem in problems) log.Warning(problem);
        return new LabCheck
        {
            Name = "cleanup",
            Passed = problems.Count == 0,
            Detail = problems.Count == 0
                ? "Every container, namespace, link and IPAM lease of the run was removed."
                : string.Join("; ", problems) + ".",
        };
    }
}
