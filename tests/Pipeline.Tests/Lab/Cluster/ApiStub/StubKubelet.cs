using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

/// <summary>
/// The kubelets of the stub's nodes: a pod bound to a node goes Pending → ContainerCreating (its sandbox; Multus
/// writes network-status then, from the attachment it names) → image pulls → Running, at staggered times,
/// with the Events a kubelet posts. A sandbox can fail (FailedCreatePodSandBox, repeated as the kubelet
/// retries, the containers left in ContainerCreating with no message), an image pull can fail once
/// (ErrImagePull → ImagePullBackOff → Running) or for good. A node's untolerated NoExecute taint makes the
/// kubelet reject the pod. The sender's containers end after sending; receivers end after it, or on deletion.
/// </summary>
internal sealed partial class StubKubelet(StubStore store, KubernetesApiStub api, CancellationToken stopping)
{
    private readonly ConcurrentDictionary<(string Namespace, string Pod, string Reason, string Message), string> posted = new();
    private int started;
    private int eventCounter;

    /// <summary>The time between a pod's steps (creation, sandbox, pull, start), offset per pod so pods move at different times.</summary>
    public TimeSpan Step { get; set; } = TimeSpan.FromMilliseconds(15);

    /// <summary>How long the sender pod sends before its container ends.</summary>
    public TimeSpan SendTime { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A pod (by its short name, pod-1, sender, control) whose sandbox fails: the CNI error the kubelet reports.</summary>
    public Func<string, string?> SandboxFailure { get; set; } = _ => null;

    /// <summary>A pod whose image pull fails: the registry's error, and whether it never recovers.</summary>
    public Func<string, (string Message, bool Persistent)?> PullFailure { get; set; } = _ => null;

    /// <summary>The eth1 address Multus reports for a pod; null: host-local's lowest free address of the attachment's range on its node.</summary>
    public Func<string, string?> AddressOverride { get; set; } = _ => null;

    /// <summary>What a container printed, by the pod's short name and the container name (captured real outputs).</summary>
    public Func<string, string, IReadOnlyList<string>> Logs { get; set; } = (_, _) => [];

    public int SenderExitCode { get; set; }

    /// <summary>A receiver's exit code at its end-of-test datagram, by the pod's short name and container (mcast recv exits 1 when it missed some).</summary>
    public Func<string, string, int> ReceiverExitCode { get; set; } = (_, _) => 0;

    /// <summary>How long a deleted pod stays Terminating before it is gone.</summary>
    public TimeSpan? TerminationTime { get; set; }

    /// <summary>The receivers end once the sender has sent; false: they keep running (their end-of-test never came).</summary>
    public bool ReceiversEnd { get; set; } = true;

    /// <summary>The experiment's name of a run's pod: RUN-nI-pod-1 → pod-1.</summary>
    public static string ShortName(string name) => RunPrefix().Replace(name, "");

    /// <summary>A new pod bound to its node: Pending, scheduled (nodeName bypasses the scheduler).</summary>
    public static JsonObject Admit(JsonObject pod)
    {
        pod["status"] = new JsonObject
        {
            ["phase"] = "Pending",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" }),
            ["qosClass"] = "Burstable",
        };
        return pod;
    }

    public void Start(string ns, string name) => _ = Task.Run(() => RunAsync(ns, name));

    private async Task RunAsync(string ns, string name)
    {
        try
        {
            var pod = store.Get("pods", ns, name)!;
            var node = pod["spec"]!["nodeName"]?.GetValue<string>() ?? "";
            var shortName = ShortName(name);
            var index = Interlocked.Increment(ref started);
            await Task.Delay(Step * (1 + index % 4), stopping);

            if (api.Taints.TryGetValue(node, out var taint) && taint.Effect == "NoExecute"
                && pod["spec"]!["tolerations"]?.AsArray().Any(t => t?["key"]?.GetValue<string>() == taint.Key) != true)
            {
                Update(ns, name, p =>
                {
                    p["status"]!["phase"] = "Failed";
                    p["status"]!["reason"] = "TaintToleration";
                    p["status"]!["message"] = $"Pod was rejected: Predicate TaintToleration failed: node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}";
                });
                return;
            }

            SetContainers(ns, name, _ => new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } }, ready: false);
            var cniFailure = SandboxFailure(shortName);
            string? address = null;
            if (cniFailure is null && Networks(pod) is { } network && AddressOverride(shortName) is null)
            {
                // host-local on the node: the lowest free address of the attachment's range, or none left.
                address = Lease(ns, name, node, network.Name, out var range);
                if (address is null)
                    cniFailure = $"plugin type=\"multus\" name=\"multus-cni-network\" failed (add): [{ns}/{name}/]: error adding container to network \"{network.Name}\": failed to allocate for range 0: no IP addresses available in range set: {range}";
            }
            if (cniFailure is { } cniError)
            {
                // Reported once the namespace's other pods that will start have their network status (or after 2 s):
                // their start delays are staggered, and a failure reported first ended a run before a pod the test
                // reads had its status (seen once under load).
                var others = Stopwatch.StartNew();
                while (others.Elapsed < TimeSpan.FromSeconds(2) && store.List("pods", ns, p => p["metadata"]?["name"]?.GetValue<string>() is { } other && other != name
                    && SandboxFailure(ShortName(other)) is null && p["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/network-status"] is null).Items.Count > 0)
                {
                    await Task.Delay(Step, stopping);
                }
                // The kubelet retries the sandbox and posts the same event again; the pod never says why.
                while (store.Get("pods", ns, name) is { } still && still["metadata"]?["deletionTimestamp"] is null)
                {
                    Post(ns, name, node, "Warning", "FailedCreatePodSandBox", $"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"{Guid.NewGuid():N}\": {cniError}");
                    await Task.Delay(Step * 10, stopping);
                }
                return;
            }
            Update(ns, name, p => NetworkStatus(p, ns, address));
            await Task.Delay(Step, stopping);

            foreach (var container in Containers(pod))
            {
                var image = container["image"]!.GetValue<string>();
                var containerName = container["name"]!.GetValue<string>();
                if (PullFailure(shortName) is { } pull)
                {
                    Post(ns, name, node, "Normal", "Pulling", $"Pulling image \"{image}\"");
                    Post(ns, name, node, "Warning", "Failed", $"Failed to pull image \"{image}\": {pull.Message}");
                    Post(ns, name, node, "Warning", "Failed", "Error: ErrImagePull");
                    SetContainers(ns, name, c => Waiting(c, containerName, "ErrImagePull", pull.Message), ready: false);
                    await Task.Delay(Step * 2, stopping);
                    do
                    {
                        Post(ns, name, node, "Normal", "BackOff", $"Back-off pulling image \"{image}\"");
                        Post(ns, name, node, "Warning", "Failed", "Error: ImagePullBackOff");
                        SetContainers(ns, name, c => Waiting(c, containerName, "ImagePullBackOff", $"Back-off pulling image \"{image}\""), ready: false);
                        await Task.Delay(Step * 4, stopping);
                    }
                    while (pull.Persistent && store.Get("pods", ns, name)?["metadata"]?["deletionTimestamp"] is null);
                    if (pull.Persistent) return;
                }
                Post(ns, name, node, "Normal", "Pulled", $"Container image \"{image}\" already present on machine");
                Post(ns, name, node, "Normal", "Created", $"Created container {containerName}");
                Post(ns, name, node, "Normal", "Started", $"Started container {containerName}");
            }
            var running = Update(ns, name, p =>
            {
                p["status"]!["phase"] = "Running";
                p["status"]!["conditions"]!.AsArray().Add(new JsonObject { ["type"] = "Ready", ["status"] = "True" });
                p["status"]!["containerStatuses"] = Statuses(p, _ => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = KubernetesApiStub.Now() } }, ready: true);
            });
            if (running?["metadata"]?["labels"]?["app.kubernetes.io/component"]?.GetValue<string>() != "sender") return;
            await Task.Delay(SendTime, stopping);
            End(ns, name, SenderExitCode);
            await Task.Delay(Step, stopping);
            if (SenderPort(running) is { } port) SentOn(ns, running["metadata"]!["labels"]!["mcastlab.io/run"]!.GetValue<string>(), port);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // A stub fault, not a cluster behaviour: the harness fails the test with it.
            Faults.Enqueue(e);
        }
    }

    /// <summary>
    /// A send on a port ended (a sender pod's, or mcastsrc's): every `mcast recv` of the run expecting data on that
    /// port got its end-of-test datagram and exits 0; iperf's server and a receiver expecting nothing keep running.
    /// </summary>
    public void SentOn(string ns, string run, int port)
    {
        if (!ReceiversEnd) return;
        var name = $"recv-{port}";
        foreach (var pod in store.List("pods", ns, p => p["metadata"]?["labels"]?["mcastlab.io/run"]?.GetValue<string>() == run).Items)
        {
            var expecting = Containers(pod).Any(c => c["name"]!.GetValue<string>() == name && Arguments(c).Contains("--expect-packets"));
            if (!expecting) continue;
            Update(ns, pod["metadata"]!["name"]!.GetValue<string>(), p =>
            {
                if (p["status"]!["phase"]?.GetValue<string>() != "Running") return;
                var statuses = p["status"]!["containerStatuses"]!.AsArray();
                foreach (var status in statuses.Where(s => s!["name"]!.GetValue<string>() == name))
                {
                    status!["ready"] = false;
                    var exit = ReceiverExitCode(ShortName(p["metadata"]!["name"]!.GetValue<string>()), name);
                    status["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exit, ["reason"] = exit == 0 ? "Completed" : "Error", ["finishedAt"] = KubernetesApiStub.Now() } };
                }
                if (statuses.All(s => s!["state"]?["terminated"] is not null)) p["status"]!["phase"] = "Succeeded";
            });
        }
    }

    /// <summary>The port a sender pod's container sends to: `mcast send --port N` or iperf's `-p N`.</summary>
    private static int? SenderPort(JsonObject pod)
    {
        var send = Containers(pod).FirstOrDefault(c => c["name"]!.GetValue<string>() == "send");
        if (send is null) return null;
        var args = Arguments(send);
        var at = args.FindIndex(a => a is "--port" or "-p");
        return at >= 0 && at + 1 < args.Count && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    private static List<string> Arguments(JsonObject container) => [.. container["args"]?.AsArray().Select(a => a!.GetValue<string>()) ?? []];

    /// <summary>Exceptions the kubelet's own code threw (a bug of the stub); the harness asserts there are none.</summary>
    public ConcurrentQueue<Exception> Faults { get; } = new();

    /// <summary>A deleted pod: marked, its containers stopped (mcast recv reports on SIGTERM and exits 0), then gone.</summary>
    public void Terminate(string ns, string name) => _ = Task.Run(async () =>
    {
        try
        {
            if (Update(ns, name, p => p["metadata"]!["deletionTimestamp"] = KubernetesApiStub.Now()) is null) return;
            await Task.Delay(Step * 2, stopping);
            End(ns, name, 0, phaseOnly: true);
            await Task.Delay(TerminationTime ?? Step * 2, stopping);
            Release(ns, name);
            store.Remove("pods", ns, name);
        }
        catch (OperationCanceledException)
        {
        }
    });

    private void End(string ns, string name, int exitCode, bool phaseOnly = false) => Update(ns, name, p =>
    {
        if (p["status"]!["phase"]?.GetValue<string>() is "Succeeded" or "Failed") return;
        if (!phaseOnly) p["status"]!["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
        p["status"]!["containerStatuses"] = Statuses(p, _ => new JsonObject
        {
            ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["reason"] = exitCode == 0 ? "Completed" : "Error", ["finishedAt"] = KubernetesApiStub.Now() },
        }, ready: false);
    });

    /// <summary>The attachment a pod names (NAME@IFNAME, or NAME with Multus' default net1), or null.</summary>
    private static (string Name, string Interface)? Networks(JsonObject pod) =>
        pod["metadata"]?["annotations"]?["k8s.v1.cni.cncf.io/networks"]?.GetValue<string>() is { } networks
            ? networks.Split('@') is [var n, var i] ? (n, i) : (networks, "net1")
            : null;

    private readonly Dictionary<(string Node, string Network), SortedSet<uint>> leases = [];
    private readonly Dictionary<(string Namespace, string Pod), (string Node, string Network, uint Address)> held = [];

    /// <summary>host-local's lease on a node: the lowest address of the attachment's range no pod of that node holds; null when all are held.</summary>
    private string? Lease(string ns, string pod, string node, string network, out string range)
    {
        var config = JsonNode.Parse(store.Get("network-attachment-definitions", ns, network)?["spec"]?["config"]?.GetValue<string>() ?? "{}")!;
        var first = Number(config["ipam"]?["rangeStart"]?.GetValue<string>() ?? "0.0.0.0");
        var last = Number(config["ipam"]?["rangeEnd"]?.GetValue<string>() ?? "0.0.0.0");
        range = $"{Text(first)}-{Text(last)}";
        lock (leases)
        {
            var taken = leases.TryGetValue((node, network), out var set) ? set : leases[(node, network)] = [];
            for (var a = first; a <= last; a++)
            {
                if (taken.Contains(a)) continue;
                taken.Add(a);
                held[(ns, pod)] = (node, network, a);
                return Text(a);
            }
            return null;
        }
    }

    /// <summary>A pod gone: its sandbox's CNI DEL gives its lease back.</summary>
    private void Release(string ns, string pod)
    {
        lock (leases)
        {
            if (held.Remove((ns, pod), out var lease)) leases[(lease.Node, lease.Network)].Remove(lease.Address);
        }
    }

    private static uint Number(string address) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(address).GetAddressBytes());

    private static string Text(uint number)
    {
        var bytes = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, number);
        return new IPAddress(bytes).ToString();
    }

    private void NetworkStatus(JsonObject pod, string ns, string? leased)
    {
        var metadata = pod["metadata"]!.AsObject();
        if (metadata["annotations"]?["k8s.v1.cni.cncf.io/networks"]?.GetValue<string>() is not { } networks)
        {
            // A pod that names no attachment (the control) still gets Multus' network-status: only the cluster
            // network's default entry (eth0), as in the captured CNI result of the control (cni-control-eth0.json).
            metadata["annotations"] ??= new JsonObject();
            metadata["annotations"]!["k8s.v1.cni.cncf.io/network-status"] = new JsonArray(
                new JsonObject { ["name"] = "cbr0", ["interface"] = "eth0", ["ips"] = new JsonArray("10.244.0.5"), ["mac"] = "4e:c4:e7:ab:60:61", ["default"] = true, ["dns"] = new JsonObject() }).ToJsonString();
            return;
        }
        var (network, ifname) = networks.Split('@') is [var n, var i] ? (n, i) : (networks, "net1");
        var address = AddressOverride(ShortName(metadata["name"]!.GetValue<string>())) ?? leased ?? "";
        metadata["annotations"]!["k8s.v1.cni.cncf.io/network-status"] = new JsonArray(
            new JsonObject { ["name"] = "cbr0", ["interface"] = "eth0", ["ips"] = new JsonArray("10.244.0.5"), ["default"] = true },
            new JsonObject { ["name"] = $"{ns}/{network}", ["interface"] = ifname, ["ips"] = new JsonArray(address), ["mac"] = "6a:1f:00:00:00:01" }).ToJsonString();
    }

    private void SetContainers(string ns, string name, Func<JsonObject, JsonObject> state, bool ready) =>
        Update(ns, name, p => p["status"]!["containerStatuses"] = Statuses(p, state, ready));

    private static JsonObject Waiting(JsonObject container, string name, string reason, string message) =>
        container["name"]!.GetValue<string>() == name
            ? new JsonObject { ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message } }
            : new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } };

    private static JsonArray Statuses(JsonObject pod, Func<JsonObject, JsonObject> state, bool ready) =>
        new([.. Containers(pod).Select(c => (JsonNode?)new JsonObject
        {
            ["name"] = c["name"]!.GetValue<string>(),
            ["image"] = c["image"]!.GetValue<string>(),
            ["imageID"] = "",
            ["ready"] = ready,
            ["restartCount"] = 0,
            ["state"] = state(c),
        })]);

    private static IEnumerable<JsonObject> Containers(JsonObject pod) => pod["spec"]!["containers"]!.AsArray().Select(c => c!.AsObject());

    private JsonObject? Update(string ns, string name, Action<JsonObject> change) => store.Update("pods", ns, name, change);

    /// <summary>An event as the kubelet posts it; the same reason and message again raises its count.</summary>
    private void Post(string ns, string pod, string node, string type, string reason, string message)
    {
        var key = (ns, pod, reason, message);
        if (posted.TryGetValue(key, out var existing))
        {
            store.Update("events", ns, existing, e =>
            {
                e["count"] = e["count"]!.GetValue<int>() + 1;
                e["lastTimestamp"] = KubernetesApiStub.Now();
            });
            return;
        }
        var name = $"{pod}.{Interlocked.Increment(ref eventCounter):x8}";
        posted[key] = name;
        store.Put("events", ns, name, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = pod, ["apiVersion"] = "v1" },
            ["reason"] = reason,
            ["message"] = message,
            ["type"] = type,
            ["source"] = new JsonObject { ["component"] = "kubelet", ["host"] = node },
            ["reportingComponent"] = "kubelet",
            ["reportingInstance"] = node,
            ["count"] = 1,
            ["firstTimestamp"] = KubernetesApiStub.Now(),
            ["lastTimestamp"] = KubernetesApiStub.Now(),
        });
    }

    [GeneratedRegex("^mcl[0-9a-f]{6}-n[0-9]+-")]
    private static partial Regex RunPrefix();
}

/// <summary>The log endpoint: it checks the container's name and state as the kubelet does, and ends a followed log when the container ends.</summary>
internal sealed partial class KubernetesApiStub
{
    private int activeLogs;
    private int mostActiveLogs;

    private StubKubelet? kubelet;

    public StubKubelet Kubelet => kubelet ??= new StubKubelet(Store, this, stopping.Token);

    /// <summary>How long a (not followed) log read takes to answer, as a busy API server's would.</summary>
    public TimeSpan LogDelay { get; set; }

    /// <summary>The most log reads the stub answered at the same time.</summary>
    public int MostActiveLogReads => mostActiveLogs;

    private async Task LogAsync(HttpListenerResponse response, StubRequest request)
    {
        var pod = Store.Get("pods", request.Namespace, request.Name);
        if (pod is null)
        {
            await WriteStatusAsync(response, 404, "NotFound", $"pods \"{request.Name}\" not found", request.Name, "", "pods");
            return;
        }
        var names = pod["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        var container = request.Query["container"];
        if (string.IsNullOrEmpty(container))
        {
            if (names.Count > 1)
            {
                await WriteAsync(response, 400, Status(400, "BadRequest", $"a container name must be specified for pod {request.Name}, choose one of: [{string.Join(" ", names)}]"));
                return;
            }
            container = names[0];
        }
        if (!names.Contains(container))
        {
            await WriteAsync(response, 400, Status(400, "BadRequest", $"container {container} is not valid for pod {request.Name}"));
            return;
        }
        if (State(pod, container)?["waiting"] is { } waiting || State(pod, container) is null)
        {
            var reason = State(pod, container)?["waiting"]?["reason"]?.GetValue<string>() ?? "ContainerCreating";
            await WriteAsync(response, 400, Status(400, "BadRequest", $"container \"{container}\" in pod \"{request.Name}\" is waiting to start: {reason}"));
            return;
        }
        var lines = Kubelet.Logs(StubKubelet.ShortName(request.Name), container);
        response.StatusCode = 200;
        response.ContentType = "text/plain";
        response.SendChunked = true;
        if (request.Query["follow"] != "true")
        {
            var now = Interlocked.Increment(ref activeLogs);
            int seen;
            while ((seen = mostActiveLogs) < now && Interlocked.CompareExchange(ref mostActiveLogs, now, seen) != seen)
            {
            }
            try
            {
                await Task.Delay(LogDelay, stopping.Token);
                await SendAsync(response, string.Concat(lines.Select(l => l + "\n")), stopping.Token);
            }
            finally
            {
                Interlocked.Decrement(ref activeLogs);
            }
            return;
        }
        foreach (var line in lines) await SendAsync(response, line + "\n", stopping.Token);
        // A followed log stays open while the container runs, and ends with it.
        while (Store.Get("pods", request.Namespace, request.Name) is { } live && State(live, container)?["terminated"] is null)
        {
            await Task.Delay(20, stopping.Token);
        }
    }

    private static JsonNode? State(JsonObject pod, string container) =>
        pod["status"]?["containerStatuses"]?.AsArray().FirstOrDefault(s => s?["name"]?.GetValue<string>() == container)?["state"];
}
