using System.Text.Json.Nodes;
using k8s;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Tests.Boxes;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>The cluster backend against a stub of the Kubernetes API that records what the backend sends.</summary>
public sealed class ClusterLabTests : IDisposable
{
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

    private const string Attachment = """
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata:
          name: eth1-multicast
          labels:
            app.kubernetes.io/part-of: mcastlab
        spec:
          config: '{"cniVersion":"0.3.1","name":"eth1-multicast","type":"macvlan","master":"eth1","mode":"bridge","ipam":{"type":"host-local","subnet":"10.0.0.0/24","rangeStart":"10.0.0.13","rangeEnd":"10.0.0.254"}}'
        """;

    private const string ReceiverPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: multicast-example
          annotations:
            k8s.v1.cni.cncf.io/networks: eth1-multicast@eth1
        spec:
          terminationGracePeriodSeconds: 5
          containers:
          - name: mcast
            image: 127.0.0.1:5000/mcastlab/mcast:latest
            imagePullPolicy: IfNotPresent
            command: [mcast]
            args: [recv, --group, 224.0.67.67, --interface, eth1, --port, "5001", --format, json]
        """;

    private const string IperfPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: iperf-multicast
        spec:
          containers:
          - name: iperf
            image: 127.0.0.1:5000/mcastlab/iperf:latest
            command: [iperf]
            args: [-s, -u, -B, 224.0.67.67%eth1, -i, "1"]
        """;

    /// <summary>A real receiver's log and sender's output (Captured/README.md says how they were made).</summary>
    public static string[] Captured(string file) => File.ReadAllLines(Path.Combine(Tests.RepositoryRoot.Path, "tests", "Pipeline.Tests", "Lab", "Cluster", "Captured", file));

    private static readonly string[] GoodLog = Captured("mcast-recv.jsonl");

    private readonly KubernetesApiStub stub = new();
    private readonly DirectoryInfo manifests = Directory.CreateTempSubdirectory("mcastlab-manifests-");
    private readonly RecordingHosts hosts = new();
    private readonly LabSettings lab = BoxTestContext.Parameters().Lab;

    public ClusterLabTests()
    {
        stub.MultusManifest = MultusManifest;
        stub.LogLines = GoodLog;
        var directory = Directory.CreateDirectory(Path.Combine(manifests.FullName, "manifests")).FullName;
        File.WriteAllText(Path.Combine(directory, "eth1-multicast.yaml"), Attachment);
        File.WriteAllText(Path.Combine(directory, "multicast-example-pod.yaml"), ReceiverPod);
        File.WriteAllText(Path.Combine(directory, "iperf-multicast-pod.yaml"), IperfPod);
        File.WriteAllText(Path.Combine(directory, "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [eth1-multicast.yaml]\n");
    }

    public void Dispose()
    {
        stub.Dispose();
        manifests.Delete(recursive: true);
    }

    [Fact]
    public async Task A_good_run_applies_watches_follows_the_log_and_passes_every_check()
    {
        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, string.Join("\n", report.Table()));
        Assert.Equal("vagrant", report.Backend);
        Assert.Equal(["pod-1/attachment", "pod-1/iperf-to-mcast"], report.Checks.Select(c => c.Name));
        var received = report.Checks[1];
        Assert.Equal(448, received.Sent);
        Assert.Equal(448, received.Received);
        Assert.Equal(0, received.Lost);
        Assert.Equal(5, received.TtlSeen);
        Assert.NotEmpty(received.Intervals!);
        Assert.Equal(FlowDirection.OutsideToPod, received.Direction);
        var pod = Assert.Single(report.Pods);
        Assert.Equal([("cbr0", "eth0", true), ("default/eth1-multicast", "eth1", false)], pod.NetworkStatus.Select(e => (e.Name, e.Interface, e.Default)));
        Assert.Equal("10.0.0.13", received.PodAddress);
        Assert.Equal(["load 127.0.0.1:5000/mcastlab/mcast:0.1.0-test 127.0.0.1:5000/mcastlab/iperf:0.1.0-test", "send 127.0.0.1:5000/mcastlab/iperf:0.1.0-test"], hosts.Calls);
    }

    [Fact]
    public async Task Every_document_is_server_side_applied_with_our_field_manager_and_force()
    {
        await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var patches = stub.Requests.Where(r => r.Method == "PATCH").ToList();
        Assert.Equal(
        [
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/network-attachment-definitions.k8s.cni.cncf.io",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/multus",
            "/api/v1/namespaces/kube-system/serviceaccounts/multus",
            "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds",
            "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/eth1-multicast",
            "/api/v1/namespaces/default/pods/multicast-example",
        ], patches.Select(p => p.Path));
        Assert.All(patches, p =>
        {
            Assert.StartsWith("application/apply-patch+yaml", p.ContentType, StringComparison.Ordinal);
            Assert.Equal("mcastlab", p.Query["fieldManager"]);
            Assert.Equal("true", p.Query["force"]);
        });

        // The pinned tag replaces the manifest's moving :snapshot image; numbers stay numbers.
        var daemonSet = patches[3].Json;
        Assert.Equal("ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick", daemonSet["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(10, daemonSet["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]!.GetValue<long>());
        Assert.True(daemonSet["spec"]!["template"]!["spec"]!["hostNetwork"]!.GetValue<bool>());

        var attachment = patches[4].Json;
        Assert.Equal("default", attachment["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Contains("\"master\":\"eth1\"", attachment["spec"]!["config"]!.GetValue<string>(), StringComparison.Ordinal);

        // The receiver runs the image under test, copied onto the nodes: never pulled.
        var pod = patches[5].Json;
        Assert.Equal("127.0.0.1:5000/mcastlab/mcast:0.1.0-test", pod["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal("IfNotPresent", pod["spec"]!["containers"]![0]!["imagePullPolicy"]!.GetValue<string>());
        Assert.Equal("eth1-multicast@eth1", pod["metadata"]!["annotations"]!["k8s.v1.cni.cncf.io/networks"]!.GetValue<string>());
        Assert.Equal("5001", pod["spec"]!["containers"]![0]!["args"]![6]!.GetValue<string>());
        Assert.DoesNotContain(stub.Requests, r => r.Path.EndsWith("/pods/iperf-multicast", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_pod_is_watched_its_log_followed_and_both_lab_objects_removed_afterwards()
    {
        await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var watch = Assert.Single(stub.Requests, r => r.Method == "GET" && r.Path == "/api/v1/namespaces/default/pods");
        Assert.Equal("true", watch.Query["watch"]);
        Assert.Equal("metadata.name=multicast-example", watch.Query["fieldSelector"]);
        var log = Assert.Single(stub.Requests, r => r.Path == "/api/v1/namespaces/default/pods/multicast-example/log");
        Assert.Equal("true", log.Query["follow"]);
        Assert.Equal(
        [
            "/api/v1/namespaces/default/pods/multicast-example",
            "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/eth1-multicast",
        ], stub.Requests.Where(r => r.Method == "DELETE").Select(r => r.Path));
        // The rollout was read before anything of the lab was applied.
        var requests = stub.Requests.ToList();
        Assert.True(requests.FindIndex(r => r.Method == "GET" && r.Path.Contains("/daemonsets/", StringComparison.Ordinal))
                    < requests.FindIndex(r => r.Path.Contains("network-attachment-definitions/eth1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_pod_stuck_in_Pending_fails_after_the_timeout_with_the_reason_and_is_removed()
    {
        stub.PodsRun = false;
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab(podTimeout: TimeSpan.FromSeconds(2)).RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(20));
        Assert.Equal("Pod default/multicast-example is still Pending after 2 s (PodScheduled Unschedulable: 0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.); see 'kubectl describe pod multicast-example' for why.", error.Message);
        Assert.Contains(stub.Requests, r => r.Method == "DELETE" && r.Path == "/api/v1/namespaces/default/pods/multicast-example");
        Assert.Equal(["load 127.0.0.1:5000/mcastlab/mcast:0.1.0-test 127.0.0.1:5000/mcastlab/iperf:0.1.0-test"], hosts.Calls);
    }

    [Fact]
    public async Task Ctrl_C_while_sending_removes_the_pod_and_the_attachment()
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        hosts.OnSend = interrupt.Cancel;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Lab().RunAsync(Request(), interrupt.Token));

        Assert.Equal(
        [
            "/api/v1/namespaces/default/pods/multicast-example",
            "/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions/eth1-multicast",
        ], stub.Requests.Where(r => r.Method == "DELETE").Select(r => r.Path));
    }

    [Fact]
    public async Task An_address_outside_the_IPAM_range_fails_the_attachment_check()
    {
        stub.NetworkStatus = """[{"name":"default/eth1-multicast","interface":"eth1","ips":["10.0.0.5"]}]""";

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var attachment = report.Checks.Single(c => c.Name == "pod-1/attachment");
        Assert.False(attachment.Passed);
        Assert.Equal("multicast-example: eth1 has 10.0.0.5, outside the IPAM range 10.0.0.13-10.0.0.254", attachment.Detail);
        Assert.False(report.Passed);
    }

    [Fact]
    public async Task A_real_run_with_one_datagram_missing_fails_the_receive_check()
    {
        stub.LogLines = Captured("mcast-recv-one-missing.jsonl");
        hosts.SenderOutput = string.Join("\n", Captured("iperf-client-one-missing.txt"));

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var check = report.Checks.Single(c => c.Name == "pod-1/iperf-to-mcast");
        Assert.False(check.Passed);
        Assert.Equal((448L, 447L, 1L), (check.Sent!.Value, check.Received!.Value, check.Lost!.Value));
        Assert.Equal("received 447 of the 448 datagrams sent (1 missing); 1 lost.", check.Detail);
    }

    [Fact]
    public async Task A_receiver_that_never_ends_fails_after_the_grace_period()
    {
        // The real log cut before its summary and end lines: the receiver was still running.
        stub.LogLines = [.. GoodLog.Where(line => line.Contains("\"interval\"", StringComparison.Ordinal))];

        var report = await Lab() .RunAsync(Request(), TestContext.Current.CancellationToken);

        var check = report.Checks.Single(c => c.Name == "pod-1/iperf-to-mcast");
        Assert.False(check.Passed);
        Assert.Contains("mcast recv printed no final report (exit -1: the receiver did not finish within the wait after the sender ended)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Multus_manifest_that_differs_from_its_pin_stops_before_anything_is_applied()
    {
        var error = await Assert.ThrowsAsync<PipelineException>(() =>
            Lab(sha256: new string('0', 64)).RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Equal($"{stub.MultusManifestUrl} has sha256 {Sha256.OfText(MultusManifest)} but mcastlab.json pins {new string('0', 64)} (multus-manifest-sha256); verify the release file and update the pin only if the new content is trusted.", error.Message);
        Assert.DoesNotContain(stub.Requests, r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Without_generated_manifests_the_lab_says_which_target_makes_them()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(manifests.FullName, "manifests"))) File.Delete(file);

        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.EndsWith("generate them with ./build.sh Manifests.", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    private ClusterLab Lab(TimeSpan? podTimeout = null, string? sha256 = null)
    {
        var settings = new ClusterSettings { Namespace = "default", PodTimeout = podTimeout ?? TimeSpan.FromSeconds(10) };
        var pins = BoxTestContext.Parameters().ClusterAddons with
        {
            Multus = new PinnedFile("Multus", "v4.3.0", stub.MultusManifestUrl, sha256 ?? Sha256.OfText(MultusManifest), "multus-manifest-sha256"),
        };
        var client = new Kubernetes(new KubernetesClientConfiguration { Host = stub.BaseUrl });
        var download = new PinnedDownload(new HttpClient(), new CapturingLog(), Path.Combine(manifests.FullName, "downloads"));
        return new ClusterLab(client, download, pins, hosts, new CapturingLog(), settings)
        {
            SettleTime = TimeSpan.FromMilliseconds(50),
            ReportGrace = TimeSpan.FromSeconds(1),
        };
    }

    private LabRequest Request() =>
        new(lab, "127.0.0.1:5000/mcastlab/mcast:0.1.0-test", "127.0.0.1:5000/mcastlab/iperf:0.1.0-test", Path.Combine(manifests.FullName, "manifests"));

    private sealed class RecordingHosts : IClusterHosts
    {
        public List<string> Calls { get; } = [];

        public Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken)
        {
            Calls.Add("load " + string.Join(' ', images));
            return Task.CompletedTask;
        }

        /// <summary>What happens while the sender runs (a Ctrl+C, in one test).</summary>
        public Action? OnSend { get; set; }

        /// <summary>What iperf printed on mcastsrc: a captured real run unless a test gives another.</summary>
        public string SenderOutput { get; set; } = string.Join("\n", Captured("iperf-client.txt"));

        public Task<ContainerOutcome> SendAsync(string iperfImage, LabSettings lab, CancellationToken cancellationToken)
        {
            Calls.Add("send " + iperfImage);
            OnSend?.Invoke();
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(new ContainerOutcome(0, SenderOutput, ""));
        }
    }
}
