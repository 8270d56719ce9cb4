using k8s;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Tests.Boxes;
using McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>
/// A cluster run against the API server stub: the stub with three nodes and the captured real outputs as the
/// containers' logs, the lab's settings, a scratch run folder (its manifests/ beside the diagnostics), and the
/// backend as the Lab target builds it (its client with the 403 handler), with short waits.
/// </summary>
public abstract class ClusterHarness : IDisposable
{
    public const string McastImage = "127.0.0.1:5000/mcastlab/mcast:0.1.0-test";
    public const string IperfImage = "127.0.0.1:5000/mcastlab/iperf:0.1.0-test";

    private protected readonly KubernetesApiStub stub = new();
    private protected readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("mcastlab-cluster-");
    private protected readonly LabSettings settings = BoxTestContext.Parameters().Lab;
    private protected readonly LabRunId run = LabRunId.New();
    private protected readonly CapturingLog log = new();

    protected ClusterHarness()
    {
        stub.MultusManifest = MultusManifest;
        stub.Nodes = Nodes(3);
        stub.Kubelet.Logs = Logs(fromRangeEnd: false);
    }

    /// <summary>
    /// What each container printed, from the captured real runs: a sender pod's (named after its flow) what its
    /// tool printed, a receiver's what it printed hearing the tool that sends on its container's port, iperf's
    /// server what it printed hearing `mcast send --bind`. <paramref name="fromRangeEnd"/>: the senders bound the
    /// two-VM lab's sender pod address (10.0.0.254), the outside flow's still mcastsrc's.
    /// </summary>
    protected Func<string, string, IReadOnlyList<string>> Logs(bool fromRangeEnd)
    {
        var experiment = LabExperiment.Plan(settings, BackendTopology.Complete(["node"], 1));
        var senders = experiment.Flows.ToDictionary(f => f.Name, f => f.Sender.Tool == FlowTool.McastSend);
        var byPort = experiment.Flows.ToDictionary(f => $"recv-{f.Port}", f => (Mcast: f.Sender.Tool == FlowTool.McastSend, Outside: f.Sender.Place == LabExperiment.SourceHost));
        var at = fromRangeEnd ? "-from-254" : "";
        return (pod, container) => (pod, container) switch
        {
            _ when pod.StartsWith("sender-", StringComparison.Ordinal) => senders[pod["sender-".Length..]] ? Captured($"mcast-send{at}.txt") : Captured($"iperf-client{at}.txt"),
            ("control", _) => PodLog("mcast-recv-control-eth0.stderr", "mcast-recv-control-eth0.jsonl"),
            _ when container.StartsWith(ClusterPlan.IperfContainerPrefix, StringComparison.Ordinal) => Captured("iperf-server.txt"),
            _ when byPort[container] is { Mcast: true } => PodLog("mcast-recv.stderr", $"mcast-recv-from-mcast-send{(fromRangeEnd ? "-254" : "")}.jsonl"),
            _ when byPort[container] is { Outside: true } || !fromRangeEnd => PodLog("mcast-recv.stderr", "mcast-recv.jsonl"),
            _ => Captured("mcast-recv-from-254.jsonl"),
        };
    }

    public void Dispose()
    {
        var faults = stub.Kubelet.Faults.ToList();
        foreach (var fault in faults) TestContext.Current.TestOutputHelper?.WriteLine($"stub fault: {fault}");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", log.Lines.Where(l => !l.StartsWith("verbose:", StringComparison.Ordinal))));
        var first = stub.Requests.Count > 0 ? stub.Requests[0].At : DateTime.UtcNow;
        if (Environment.GetEnvironmentVariable("STUB_TRACE") == "1") TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", stub.Requests.Select(r => $"{(r.At - first).TotalMilliseconds,8:0} {r.Method} {r.Path}?{r.Query}")));
        stub.Dispose();
        scratch.Delete(recursive: true);
        GC.SuppressFinalize(this);
        Assert.Empty(faults);
    }

    protected const string Namespace = KubernetesApiStub.LabNamespace;

    /// <summary>The run folder: where the manifests were generated and where diagnostics go.</summary>
    protected string RunFolder => Path.Combine(scratch.FullName, "lab", "runs", run.Value);

    /// <summary>A pod's Kubernetes name in this run (RUN-nNODE-NAME).</summary>
    protected string PodName(int node, string name) => $"{run.Value}-n{node}-{name}";

    /// <summary>A real tool's output (Captured/README.md says how each was made).</summary>
    public static string[] Captured(string file) => File.ReadAllLines(Path.Combine(Tests.RepositoryRoot.Path, "tests", "Pipeline.Tests", "Lab", "Captured", file));

    /// <summary>A pod's log as Kubernetes keeps it: the receiver's stderr line, then its JSON lines.</summary>
    public static IReadOnlyList<string> PodLog(string stderr, string jsonl) => [.. Captured(stderr), .. Captured(jsonl)];

    internal static IReadOnlyList<(string, IReadOnlyDictionary<string, string>)> Nodes(int count) =>
        [.. Enumerable.Range(1, count).Select(i => ($"node-{i:000}", (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["kubernetes.io/hostname"] = $"node-{i:000}", ["mcast"] = i % 2 == 1 ? "yes" : "no" }))];

    /// <summary>The lab's client on the stub, with the handler every 403 goes through.</summary>
    protected Kubernetes Client() => ClusterLab.Client(new KubernetesClientConfiguration { Host = stub.BaseUrl });

    protected ClusterLab Lab(TimeSpan? podTimeout = null, bool installMultus = false, string? ns = null, string? nodeSelector = null, IClusterHosts? hosts = null,
        int logConcurrency = ClusterLab.DefaultLogConcurrency, IReadOnlyList<string>? tolerate = null, TimeSpan? pullPatience = null, bool keep = false, TimeSpan? removalWait = null)
    {
        var settings = new ClusterSettings
        {
            Namespace = ns ?? Namespace, NodeSelector = nodeSelector, InstallMultus = installMultus, PodTimeout = podTimeout ?? TimeSpan.FromSeconds(10),
            TolerateTaints = tolerate ?? [], KeepRun = keep,
        };
        var parameters = BoxTestContext.Parameters();
        var pins = parameters.ClusterAddons with
        {
            Multus = new PinnedFile("Multus", "v4.3.0", stub.MultusManifestUrl, Sha256.OfText(MultusManifest), "multus-manifest-sha256"),
        };
        var download = new PinnedDownload(new HttpClient(), new CapturingLog(), Path.Combine(scratch.FullName, "downloads"));
        return new ClusterLab(Client(), download, pins, parameters.Images, hosts, log, settings, run)
        {
            SettleTime = TimeSpan.FromMilliseconds(20),
            ReportGrace = TimeSpan.FromSeconds(2),
            LogConcurrency = logConcurrency,
            PullPatience = pullPatience ?? TimeSpan.FromSeconds(5),
            RemovalWait = removalWait ?? TimeSpan.FromSeconds(5),
        };
    }

    protected LabRequest Request() => new(settings, McastImage, IperfImage, Path.Combine(RunFolder, "manifests"));

    protected static string Describe(LabReport report) => string.Join("\n", report.Failed.Select(c => $"{c.Name}: {c.Detail}"));

    /// <summary>The run of a report that stopped at its setup: the lab-setup check's detail (the backend's named cause).</summary>
    protected static string SetupFailure(LabReport report)
    {
        var setup = report.Checks.FirstOrDefault(c => c.Name == LabExperiment.SetupCheck);
        Assert.True(setup is not null, "the run did not fail its setup: " + Describe(report));
        Assert.Equal(CheckStatus.Failed, setup.Status);
        return setup.Detail!;
    }

    internal const string MultusManifest = """
        ---
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: network-attachment-definitions.k8s.cni.cncf.io
        spec:
          group: k8s.cni.cncf.io
          scope: Namespaced
          names:
            plural: network-attachment-definitions
            singular: network-attachment-definition
            kind: NetworkAttachmentDefinition
          versions:
            - name: v1
              served: true
              storage: true
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: multus
        rules:
          - apiGroups: ["k8s.cni.cncf.io"]
            resources: ["*"]
            verbs: ["*"]
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: multus
          namespace: kube-system
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: kube-multus-ds
          namespace: kube-system
        spec:
          selector:
            matchLabels:
              name: multus
          template:
            metadata:
              labels:
                name: multus
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 10
              containers:
                - name: kube-multus
                  image: ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot
                  securityContext:
                    privileged: true
        """;

}
