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

namespace McastLab.Pipeline.Lab.Local;

/// <summary>Knobs of the local backend that tests change; the defaults are the real thing.</summary>
public sealed record LocalLabOptions
{
    /// <summary>Where the CNI plugins are; null looks in /usr/lib/cni and /opt/cni/bin.</summary>
    public string? CniPluginDirectory { get; init; }

    /// <summary>Where runs keep their lock and IPAM state.</summary>
    public string StateRoot { get; init; } = LabRunLock.StateRoot;

    /// <summary>How long receivers get after the senders ended to finish on their end-of-test datagram.</summary>
    public TimeSpan ReceiverGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gives the control pod its eth0 from the attachment instead of the cluster network: a cluster network
    /// that is the multicast segment. The negative control must then fail (its test shows it can).
    /// </summary>
    public bool ControlPodOnSegment { get; init; }

    /// <summary>This run's id; null makes a new one.</summary>
    public LabRunId? Run { get; init; }

    /// <summary>Where the images' exported file systems are kept for their programs (<see cref="ImageFilesystems"/>).</summary>
    public string FilesystemRoot { get; init; } = ImageFilesystems.DefaultRoot;
}

/// <summary>
/// The lab on one machine with the real parts (docs/architecture.md, "Facts the code relies on"):
/// hosts as network namespaces, pods as sandboxes (a process holding the pod's network namespace, the pause
/// container's role, <see cref="LabSandboxes"/>) whose eth0 (the cluster network, flannel's role)
/// and eth1 (the generated NetworkAttachmentDefinition) the real CNI plugins make, in Multus' order, with
/// host-local's leases kept per node; then every flow of <see cref="LabExperiment"/> at once; finally it removes
/// the run and looks for what is left. It returns what it observed; <see cref="ExperimentVerdict"/> judges.
/// </summary>
public sealed class LocalLab(ProcessRunner runner, IBuildLog log, LocalLabOptions? options = null) : ILabBackend
{
    private readonly LocalLabOptions options = options ?? new LocalLabOptions();
    private readonly LabTimings timings = new();
    private HostSideEvidence? hostSide;
    private LabPrograms? programs;
    private LabSandboxes? sandboxes;
    private Task attachmentsChecked = Task.CompletedTask;
    private FlowObservation? leaveTiming;

    /// <summary>This run's prefix (known before it starts, so a test can find its containers).</summary>
    public LabRunId Run { get; } = options?.Run ?? LabRunId.New();

    private NetworkNamespaces Namespaces => new(runner, timings);

    public string Name => LabSettings.BackendName(LabBackend.Local);

    /// <summary>The local lab's places: the nodes and pods the parameters ask for, and mcastsrc; it can run every check.</summary>
    public static BackendTopology Topology(LabSettings lab) => BackendTopology.Complete(lab.NodeNames, lab.Pods);

    public Task<BackendTopology> DiscoverAsync(LabRequest request, CancellationToken cancellationToken) => Task.FromResult(Topology(request.Settings));

    public async Task<LabObservations> RunAsync(LabRequest request, LabExperiment experiment, CancellationToken cancellationToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new PipelineException("The local lab creates network namespaces and runs CNI plugins, which needs root; run it as root (sudo ./build.sh Lab).");
        }
        if (request.Settings.Group.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new PipelineException($"The local lab runs the walkthrough's IPv4 segment, so --group must be an IPv4 multicast address such as 224.0.67.67, not {request.Settings.Group}.");
        }
        var nodeConfigs = new FaultInjection(runner, request.Settings).Configs(NodeAttachmentConfigs.Read(request.ManifestsDirectory, request.Settings.NetworkName, experiment.Nodes));
        var cni = new CniPlugin(runner, options.CniPluginDirectory ?? CniPlugin.FindPluginDirectory());
        foreach (var plugin in nodeConfigs.Values.SelectMany(PodAttachment.RequiredPlugins).Append("bridge").Distinct())
        {
            if (!File.Exists(Path.Combine(cni.PluginDirectory, plugin)))
            {
                throw new PipelineException($"The CNI plugin '{plugin}' that the {(plugin == "bridge" ? "pods' cluster network" : "NetworkAttachmentDefinition")} needs is not in {cni.PluginDirectory}; install it with 'apt-get install -y containernetworking-plugins' or run ./build.sh Prerequisites.");
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

        await new LabLeftovers(docker, Namespaces, log, options.StateRoot).RemoveStaleAsync(Run, cancellationToken);
        log.Information($"Lab run {Run}: {request.Settings.Nodes} node(s) × {request.Settings.Pods} pod(s), group {request.Settings.Group}:{request.Settings.Port}, {request.Settings.Rate} for {request.Settings.DurationSeconds} s.");

        var flows = new List<FlowObservation>();
        var pods = new ConcurrentDictionary<string, LocalPod>();
        string? setupFailure = null;
        IReadOnlyList<string> leftovers;
        using (LabRunLock.Acquire(Run, options.StateRoot))
        {
            var ipamRoot = Path.Combine(LabRunLock.StateDirectory(Run, options.StateRoot), "ipam");
            programs = new LabPrograms(new ImageFilesystems(docker, Run, options.FilesystemRoot, timings), Run, runner.Locator, timings);
            sandboxes = new LabSandboxes(Run, runner.Locator, timings);
            try
            {
                await ExperimentAsync(request, experiment, cni, nodeConfigs, ipamRoot, flows, pods, cancellationToken);
            }
            catch (Exception e) when (e is PipelineException or DockerApiException && !cancellationToken.IsCancellationRequested)
            {
                log.Error(e.Message);
                setupFailure = e.Message;
            }
            finally
            {
                leftovers = await CleanupAsync(docker, pods.Values, ipamRoot);
            }
        }

        var s = request.Settings;
        return new LabObservations
        {
            Location = $"network namespaces on this machine (run {Run})",
            Pods = [.. experiment.Pods.Where(p => pods.ContainsKey(p.Key)).Select(p => pods[p.Key].Observation())],
            Hosts = Hosts(experiment, s),
            HostSegmentAddresses = [new SegmentAddress(LabTopology.SourceHost, s.McastsrcAddress.ToString()), new SegmentAddress(experiment.Nodes[0], s.K8sAddress.ToString())],
            Flows = flows,
            Leftovers = leftovers,
            SetupFailure = setupFailure,
            HostSide = hostSide,
            LeaveTiming = leaveTiming,
        };
    }

    private async Task ExperimentAsync(LabRequest request, LabExperiment experiment, CniPlugin cni, IReadOnlyDictionary<string, string> nodeConfigs,
        string ipamRoot, List<FlowObservation> observed, ConcurrentDictionary<string, LocalPod> pods, CancellationToken cancellationToken)
    {
        var s = request.Settings;
        var phase = Stopwatch.StartNew();
        string Took(string name) { var t = phase.Elapsed; timings.Phase(name, t); phase.Restart(); return t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"; }
        var topology = new LabTopology(Namespaces, sandboxes!, Run, s);
        var segment = new SwitchSegment(runner, topology, s);
        async Task HostsAsync()
        {
            await topology.BuildAsync(cancellationToken);
            await segment.ConfigureAsync(cancellationToken);
            log.Information($"Hosts up: {s.Nodes} node(s) and {LabTopology.SourceHost} on {s.Interface} ({(topology.HasSwitch ? $"bridge, {LabFaultForms.Written(s.Segment)}" : "veth pair")}) in {Took("hosts")}.");
        }
        // The pods' sandboxes start while the hosts are made: only their CNI calls need the nodes' links.
        var hosts = HostsAsync();
        // The programs' file systems meanwhile (exported once per image id, found at once after that).
        var preparing = programs!.PrepareAsync([request.McastImage, request.IperfImage], cancellationToken);

        // Pods as kubelet and Multus make them: the sandbox, eth0 from the cluster network, then eth1 from the NAD.
        var attachmentName = $"default/{s.NetworkName}";
        // WhenAll waits for both even when one fails, so cleanup never begins while the hosts are being made.
        await Task.WhenAll(hosts, preparing, Parallel.ForEachAsync(experiment.Pods, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (pod, token) =>
        {
            var nodeIndex = experiment.Nodes.ToList().IndexOf(pod.Node);
            var ipam = Path.Combine(ipamRoot, pod.Node);
            var sandbox = await sandboxes!.StartAsync(pod.Key.Replace('/', '-'), token);
            var local = new LocalPod(pod, sandbox);
            pods[pod.Key] = local;
            await hosts;
            var nodeNamespace = topology.Namespace(pod.Node);
            var control = pod.Name == LabExperiment.ControlPod && options.ControlPodOnSegment;
            var primary = control
                ? new PodAttachment(cni, PodAttachment.ForRun(nodeConfigs[pod.Node], ipam), nodeNamespace, pod.Key, sandbox, PrimaryNetwork.InterfaceName, attachmentName, true, timings)
                : new PodAttachment(cni, PrimaryNetwork.Config(nodeIndex, ipam), nodeNamespace, pod.Key, sandbox, PrimaryNetwork.InterfaceName, PrimaryNetwork.Name, true, timings);
            local.Interfaces.Add(primary);
            await primary.AddAsync(token);
            if (pod.Attached)
            {
                var attachment = new PodAttachment(cni, PodAttachment.ForRun(nodeConfigs[pod.Node], ipam), nodeNamespace, pod.Key, sandbox, s.Interface, attachmentName, false, timings);
                local.Interfaces.Add(attachment);
                await attachment.AddAsync(token);
            }
        }));
        foreach (var exported in programs.Exported)
        {
            log.Information($"Exported the file system of {exported.Image} for its programs (image {exported.Id[..19]}).");
        }
        var attached = experiment.Pods.Count(p => p.Attached);
        // Counts, not lists: one line per pod only at diagnostic verbosity (the addresses are in the report).
        foreach (var p in experiment.Pods) log.Verbose($"Pod {p.Key}: {string.Join(" ", pods[p.Key].Interfaces.Select(i => $"{i.InterfaceName}={i.Address}"))}");
        log.Information($"Pods up: {experiment.Pods.Count} on {s.Nodes} node(s), {attached} with {s.Interface}, in {Took("pods")}.");

        var minimum = LabTraffic.MinimumDatagrams(s.Rate, s.DurationSeconds);
        LabSandbox Owner(string place) => pods.TryGetValue(place, out var pod) ? pod.Sandbox : topology.Host(place);
        var faults = new FaultInjection(runner, s);
        await faults.ApplyAsync(place => Owner(place).Pid, cancellationToken);
        string? AddressOf(string place) => pods.TryGetValue(place, out var pod)
            ? pod.Interfaces.FirstOrDefault(i => i.InterfaceName == s.Interface)?.Address
            : place == LabTopology.SourceHost ? s.McastsrcAddress.ToString() : place == topology.Nodes[0] ? s.K8sAddress.ToString() : null;
        var flows = experiment.Flows.Select(f => new RunningFlow(
            f,
            Owner(f.Sender.Place),
            LabExperiment.ImageOf(f.Sender.Tool, request.McastImage, request.IperfImage),
            faults.SenderArguments(f.Sender, LabExperiment.SenderArguments(f.Sender, f.Port, s, AddressOf(f.Sender.Place) ?? "")),
            [.. f.Receivers.Select(r => new RunningReceiver(r, Owner(r.Place), LabExperiment.ImageOf(r.Tool, request.McastImage, request.IperfImage),
                faults.ReceiverArguments(r, LabExperiment.ReceiverArguments(r, f.Port, s, minimum)), r.Interface ?? s.Interface))])).ToList();

        await segment.UntilForwardingAsync(cancellationToken);
        var flowRunner = new FlowRunner(programs, log, s.Group, timings);
        var running = flowRunner.RunAsync(flows, TimeSpan.FromSeconds(s.DurationSeconds + 30), options.ReceiverGrace, cancellationToken);
        // Every interface's CHECK against its ADD result, once every pod is up and the senders run: the traffic
        // leaves most of the CPU idle, and the pods' setup no longer waits for it (cleanup waits before DEL).
        attachmentsChecked = CheckAttachmentsAsync(flowRunner.SendersStarted, pods.Values, cancellationToken);
        // The host side, while the flows run and before cleanup takes it away (Lab/Diagnosis reads it when a check failed).
        var reading = new HostSideReader(runner, timings).ReadAsync(topology, flowRunner.SendersStarted,
            pods.ToDictionary(p => p.Key, p => p.Value.Sandbox.Pid).Concat(topology.Nodes.Append(LabTopology.SourceHost).Select(h => KeyValuePair.Create(h, topology.Host(h).Pid))).ToDictionary(),
            s.Interface, s.Group.ToString(), [.. experiment.Flows.Select(f => AddressOf(f.Sender.Place)).OfType<string>().Distinct()], running, cancellationToken);
        var outcomes = await running;
        hostSide = await reading;
        // A snooping switch's leave latency, once the flows left the segment to it (LeaveToLast).
        if (s.Segment != LabSegment.Flood) leaveTiming = await SwitchSegment.TimeLeaveAsync(new FlowRunner(programs, log, s.Group, timings), s, Owner, AddressOf, request.McastImage, options.ReceiverGrace, cancellationToken);
        log.Information($"{flows.Count} flow(s) with {flows.Sum(f => f.Receivers.Count)} receiver(s) done in {Took("flows")}.");
        observed.AddRange(outcomes.Select(o => new FlowObservation(o.Flow.Flow.Name, o.Sender, AddressOf(o.Flow.Flow.Sender.Place),
            [.. o.Flow.Flow.Receivers.Select((r, i) => new ReceiverObservation(r.Check, o.Receivers[i], o.Joined[i], AddressOf(r.Place)))])));
    }

    private static async Task CheckAttachmentsAsync(Task after, IEnumerable<LocalPod> pods, CancellationToken cancellationToken)
    {
        await after;
        await Parallel.ForEachAsync(pods.SelectMany(p => p.Interfaces), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (attachment, token) => await attachment.CheckAsync(token));
    }

    private static IReadOnlyList<HostReport> Hosts(LabExperiment experiment, LabSettings s) =>
    [
        new HostReport(LabTopology.SourceHost, [s.McastsrcAddress.ToString()]),
        .. experiment.Nodes.Select((n, i) => new HostReport(n,
            [.. i == 0 ? new[] { s.K8sAddress.ToString() } : [], PrimaryNetwork.Gateway(i)])),
    ];

    /// <summary>
    /// Removes everything of this run whatever happened before (its programs first; CNI DEL while the pod
    /// namespaces still exist, the attachment before the cluster network as Multus does, each pod's sandbox
    /// after its DEL; then the hosts' sandboxes, every container with the run label and the namespaces' names),
    /// and returns what it found left (the verdict's "cleanup" check).
    /// </summary>
    private async Task<IReadOnlyList<string>> CleanupAsync(DockerClient docker, IEnumerable<LocalPod> pods, string ipamRoot)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var token = limit.Token;
        var watch = Stopwatch.StartNew();
        var problems = new ConcurrentQueue<string>();
        try
        {
            await attachmentsChecked;
        }
        catch (OperationCanceledException)
        {
            // Cancelled with the run: the interfaces not checked say so in the report.
        }
        // The programs still running first (a flow that failed, Ctrl+C): nothing may use a namespace while it goes.
        if (programs is not null)
        {
            var stuck = await programs.StopAllAsync();
            if (stuck.Count > 0) problems.Enqueue($"programs that did not end on SIGKILL: {Counted([.. stuck])}");
        }
        // Pods are independent; within a pod, DEL goes in reverse order of ADD, as Multus does, then its sandbox.
        // The hosts' namespaces keep their names (ip netns attach) for the plugins' DEL until the names go below.
        await Parallel.ForEachAsync(pods, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (pod, _) =>
        {
            foreach (var attachment in Enumerable.Reverse(pod.Interfaces))
            {
                try
                {
                    await attachment.DeleteAsync(token);
                }
                catch (Exception e) when (e is PipelineException or OperationCanceledException)
                {
                    problems.Enqueue($"CNI DEL of {attachment.InterfaceName} for {attachment.PodName}: {e.Message}");
                }
            }
            await sandboxes!.StopAsync(pod.Sandbox);
        });
        if (sandboxes is not null)
        {
            var stuck = await sandboxes.StopAllAsync();
            if (stuck.Count > 0) problems.Enqueue($"sandboxes that did not end on SIGKILL: {Counted([.. stuck])}");
        }
        var leases = Directory.Exists(ipamRoot)
            ? Directory.GetFiles(ipamRoot, "*", SearchOption.AllDirectories).Select(Path.GetFileName)
                .Where(f => f != "lock" && !f!.StartsWith("last_reserved_ip", StringComparison.Ordinal)).OfType<string>().ToList()
            : [];
        if (leases.Count > 0) problems.Enqueue($"IPAM leases left after DEL: {Counted(leases)}");

        try
        {
            await LabContainers.RemoveAsync(docker, await LabContainers.ListAsync(docker, Run, token), token, timings);
            await Task.WhenAll(LabTopology.NamespacesOf(Run).Select(name => Namespaces.DeleteAsync(name, token)));
            var containersLeft = await LabContainers.ListAsync(docker, Run, token);
            var namespacesLeft = LabTopology.NamespacesOf(Run).ToList();
            var programsLeft = LabPrograms.Running(Run);
            if (programsLeft.Count > 0) problems.Enqueue($"programs left: {Counted([.. programsLeft.Select(p => $"{p.Name} (pid {p.Pid})")])}");
            if (containersLeft.Count > 0) problems.Enqueue($"containers left: {Counted([.. containersLeft.Select(c => c.Names.FirstOrDefault()?.TrimStart('/') ?? c.ID)])}");
            if (namespacesLeft.Count > 0) problems.Enqueue($"namespaces left: {Counted(namespacesLeft)}");
        }
        catch (Exception e) when (e is PipelineException or DockerApiException or OperationCanceledException)
        {
            problems.Enqueue($"removal failed: {e.Message}");
        }
        var stateDirectory = LabRunLock.StateDirectory(Run, options.StateRoot);
        if (Directory.Exists(stateDirectory)) Directory.Delete(stateDirectory, recursive: true);

        foreach (var problem in problems) log.Warning(problem);
        timings.Phase("cleanup", watch.Elapsed);
        log.Information($"Cleanup done in {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
        foreach (var line in timings.Describe()) log.Verbose(line);
        return [.. problems];
    }

    /// <summary>A count and the first few names: a line a terminal shows whole, however large the lab.</summary>
    private static string Counted(List<string> names) =>
        $"{names.Count} ({string.Join(", ", names.Take(3))}{(names.Count > 3 ? ", …" : "")})";
}

/// <summary>A pod of the local lab: its sandbox and its interfaces in the order they were made (eth0, then eth1).</summary>
public sealed class LocalPod(LabPod pod, LabSandbox sandbox)
{
    public LabPod Pod => pod;

    public LabSandbox Sandbox => sandbox;

    public List<PodAttachment> Interfaces { get; } = [];

    /// <summary>The network-status annotation Multus would write, from the CNI results.</summary>
    public IReadOnlyList<NetworkStatusEntry> NetworkStatus() => [.. Interfaces.Select(i => i.Status()).OfType<NetworkStatusEntry>()];

    /// <summary>What the verdict reads of this pod: its network status, and interfaces without an address or whose CNI CHECK failed.</summary>
    public PodObservation Observation() => new(pod, NetworkStatus())
    {
        Problems =
        [
            .. Interfaces.Where(i => i.Address is null).Select(i => $"CNI ADD gave {i.InterfaceName} no address"),
            .. Interfaces.Select(i => i.CheckFailure).OfType<string>(),
            .. Interfaces.Where(i => i.Address is not null && !i.Checked).Select(i => $"CNI CHECK of {i.InterfaceName} did not run"),
        ],
    };
}
