using System.Text.Json.Nodes;
using k8s;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Tests.Boxes;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>The cluster backend (and the Vagrant one built on it) against a stub of the Kubernetes API that records what the backend sends.</summary>
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

    /// <summary>A real tool's output (Captured/README.md says how each was made).</summary>
    public static string[] Captured(string file) => File.ReadAllLines(Path.Combine(Tests.RepositoryRoot.Path, "tests", "Pipeline.Tests", "Lab", "Captured", file));

    /// <summary>A pod's log as Kubernetes keeps it: the receiver's stderr line, then its JSON lines.</summary>
    public static IReadOnlyList<string> PodLog(string stderr, string jsonl) => [.. Captured(stderr), .. Captured(jsonl)];

    private const string McastImage = "127.0.0.1:5000/mcastlab/mcast:0.1.0-test";
    private const string IperfImage = "127.0.0.1:5000/mcastlab/iperf:0.1.0-test";

    private readonly KubernetesApiStub stub = new();
    private readonly DirectoryInfo scratch = Directory.CreateTempSubdirectory("mcastlab-cluster-");
    private readonly LabSettings lab = BoxTestContext.Parameters().Lab;
    private readonly LabRunId run = LabRunId.New();
    private readonly CapturingLog log = new();

    public ClusterLabTests()
    {
        stub.MultusManifest = MultusManifest;
        stub.Nodes = Nodes(3);
        stub.Logs = (pod, container) => (pod, container) switch
        {
            ("sender", _) => stub.RunsMcastSend(pod) ? Captured("mcast-send.txt") : Captured("iperf-client.txt"),
            ("control", _) => PodLog("mcast-recv-control-eth0.stderr", "mcast-recv-control-eth0.jsonl"),
            _ => ReceiverLog(pod, container),
        };
    }

    /// <summary>A receiver's captured log for the flow on its container's port: heard from `mcast send` or from iperf's client.</summary>
    private IReadOnlyList<string> ReceiverLog(string pod, string container) =>
        stub.ReceiverPort(pod, container) is { } port && stub.SentByMcastSend(port)
            ? PodLog("mcast-recv.stderr", "mcast-recv-from-mcast-send.jsonl")
            : PodLog("mcast-recv.stderr", "mcast-recv.jsonl");

    public void Dispose()
    {
        stub.Dispose();
        scratch.Delete(recursive: true);
    }

    private string Namespace => $"mcastlab-{run.Value}";

    internal static IReadOnlyList<(string, IReadOnlyDictionary<string, string>)> Nodes(int count) =>
        [.. Enumerable.Range(1, count).Select(i => ($"node-{i:000}", (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["kubernetes.io/hostname"] = $"node-{i:000}", ["mcast"] = i % 2 == 1 ? "yes" : "no" }))];

    [Fact]
    public async Task Three_nodes_every_direction_passes_judged_by_the_labs_verdict()
    {
        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, string.Join("\n", report.Table()) + "\n" + string.Join("\n", report.Failed.Select(c => c.Detail)));
        Assert.Equal("cluster", report.Backend);
        // The experiment's checks in plan order; what the cluster backend cannot run is "not run", never left out.
        Assert.Equal(
        [
            "cni-attachments", "segment-addresses",
            "node-001/pod-1", "node-002/pod-2", "node-003/pod-3", "node-001/sender/no-interface",
            "mcastsrc/from-pod-by-route", "node-001/pod-1/from-sender", "node-002/pod-2/from-node-001/sender", "node-003/pod-3/from-node-001/sender",
            "node-001/from-own-pod", "negative-control",
            "mcastsrc/from-pod-interface", "node-003/pod-3/from-pod-interface", "mcastsrc/from-pod-bind", "node-003/pod-3/iperf",
            "mcastsrc/from-pod-iperf-bind", "node-003/pod-3/from-pod-iperf-bind", "cleanup",
        ], report.Checks.Select(c => c.Name));
        Assert.Equal(
        [
            "cni-attachments", "segment-addresses", "node-001/pod-1/from-sender", "node-002/pod-2/from-node-001/sender", "node-003/pod-3/from-node-001/sender",
            "negative-control", "node-003/pod-3/from-pod-interface", "node-003/pod-3/from-pod-iperf-bind",
        ], report.Checks.Where(c => c.Status == CheckStatus.Passed).Select(c => c.Name));
        var flows = report.Checks.Where(c => c.Flow == "pod-by-route").ToList();
        Assert.Equal([FlowDirection.PodToPodSameNode, FlowDirection.PodToPodCrossNode, FlowDirection.PodToPodCrossNode, FlowDirection.ClusterNetwork], flows.Select(c => c.Direction));
        // pod-by-route is `mcast send` (446 datagrams in its captured run); pod-iperf-bind is iperf's client (448).
        Assert.All(flows.Take(3), c => Assert.Equal((446L, 446L, 0L), (c.Sent!.Value, c.Received!.Value, c.Lost!.Value)));
        var iperf = report.Checks.Single(c => c.Name == "node-003/pod-3/from-pod-iperf-bind");
        Assert.Equal((448L, 448L, 0L), (iperf.Sent!.Value, iperf.Received!.Value, iperf.Lost!.Value));
        Assert.Equal(["10.0.0.13", "10.0.0.93", "10.0.0.173"], flows.Take(3).Select(c => c.PodAddress));
        Assert.Equal(0, flows[3].Received);
        Assert.Equal(["node-001", "node-002", "node-003", "node-001", "node-001"], report.Pods.Select(p => p.Node));
        Assert.Equal([("cbr0", "eth0", true), ($"{Namespace}/eth1-multicast-1", "eth1", false)], report.Pods[0].NetworkStatus.Select(e => (e.Name, e.Interface, e.Default)));
        Assert.Equal("pod-by-route", report.Run.Flows[0].Name);
        Assert.Equal("10.0.0.12", report.Pods.Single(p => p.Name == "sender").NetworkStatus.Single(e => e.Interface == "eth1").Ips.Single());
        Assert.Equal(["node-001", "node-002", "node-003"], report.Hosts.Select(h => h.Name));
    }

    [Fact]
    public async Task The_run_lives_in_its_own_labelled_namespace_with_a_receiver_on_every_node_and_deletes_it_at_the_end()
    {
        await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var requests = stub.Requests.ToList();
        var created = Assert.Single(requests, r => r.Method == "POST");
        Assert.Equal("/api/v1/namespaces", created.Path);
        Assert.Equal(Namespace, created.Json["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(run.Value, created.Json["metadata"]!["labels"]!["mcastlab.io/run"]!.GetValue<string>());
        var patches = requests.Where(r => r.Method == "PATCH").ToList();
        Assert.Equal(
        [
            $"/apis/k8s.cni.cncf.io/v1/namespaces/{Namespace}/network-attachment-definitions/eth1-multicast-1",
            $"/apis/k8s.cni.cncf.io/v1/namespaces/{Namespace}/network-attachment-definitions/eth1-multicast-2",
            $"/apis/k8s.cni.cncf.io/v1/namespaces/{Namespace}/network-attachment-definitions/eth1-multicast-3",
            $"/apis/k8s.cni.cncf.io/v1/namespaces/{Namespace}/network-attachment-definitions/eth1-multicast-sender",
            $"/api/v1/namespaces/{Namespace}/pods/pod-1",
            $"/api/v1/namespaces/{Namespace}/pods/pod-2",
            $"/api/v1/namespaces/{Namespace}/pods/pod-3",
            $"/api/v1/namespaces/{Namespace}/pods/control",
            // The sender pod once per flow it sends: pod-by-route, pod-interface, pod-iperf-bind.
            $"/api/v1/namespaces/{Namespace}/pods/sender",
            $"/api/v1/namespaces/{Namespace}/pods/sender",
            $"/api/v1/namespaces/{Namespace}/pods/sender",
        ], patches.Select(p => p.Path));
        Assert.All(patches, p =>
        {
            Assert.Equal(run.Value, p.Json["metadata"]!["labels"]!["mcastlab.io/run"]!.GetValue<string>());
            Assert.StartsWith("application/apply-patch+yaml", p.ContentType, StringComparison.Ordinal);
            Assert.Equal("mcastlab", p.Query["fieldManager"]);
        });
        // The generator's macvlan config, a slice of the range per node, the sender's own one address.
        string Config(int i, string field) => JsonNode.Parse(patches[i].Json["spec"]!["config"]!.GetValue<string>())!["ipam"]![field]!.GetValue<string>();
        Assert.Equal(["10.0.0.13-10.0.0.92", "10.0.0.93-10.0.0.172", "10.0.0.173-10.0.0.252", "10.0.0.12-10.0.0.12"], Enumerable.Range(0, 4).Select(i => $"{Config(i, "rangeStart")}-{Config(i, "rangeEnd")}"));
        Assert.Contains("\"master\": \"eth1\"", patches[0].Json["spec"]!["config"]!.GetValue<string>(), StringComparison.Ordinal);
        // One receiver per node, pinned to it, naming its node's attachment; the control has no attachment.
        for (var i = 1; i <= 3; i++)
        {
            var pod = stub.Pods[$"pod-{i}"];
            Assert.Equal($"node-{i:000}", pod["spec"]!["nodeName"]!.GetValue<string>());
            Assert.Equal($"eth1-multicast-{i}@eth1", pod["metadata"]!["annotations"]!["k8s.v1.cni.cncf.io/networks"]!.GetValue<string>());
            var container = pod["spec"]!["containers"]![0]!;
            Assert.Equal(McastImage, container["image"]!.GetValue<string>());
            Assert.Equal("recv-5002", container["name"]!.GetValue<string>());
            // It outlives the run's waits (pod timeout for the pods, then per sending flow its pod timeout and send, the grace), plus the minute
            // ReceiverArguments adds: 10 s × (1 + 3 flows) + 3 × 5 s + 2 s + 60 s.
            var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
            Assert.Equal("117", args[args.IndexOf("--duration") + 1]);
            Assert.Equal(["--expect-packets", LabTraffic.MinimumDatagrams(lab.Rate, lab.DurationSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-loss", "0"], args[^4..]);
        }
        Assert.All(stub.Pods.Values, pod => Assert.True(pod["spec"]!["securityContext"]!["runAsNonRoot"]!.GetValue<bool>()));
        Assert.Null(stub.Pods["control"]["metadata"]!["annotations"]);
        Assert.Contains("eth0", stub.Pods["control"]["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        var senders = patches.Where(p => p.Path.EndsWith("/pods/sender", StringComparison.Ordinal)).Select(p => p.Json["spec"]!["containers"]![0]!).ToList();
        Assert.Equal([McastImage, McastImage, IperfImage], senders.Select(c => c["image"]!.GetValue<string>()));
        Assert.Equal(
        [
            "mcast send --group 224.0.67.67 --port 5002 --ttl 5 --rate 1M --duration 5",
            "mcast send --group 224.0.67.67 --port 5003 --ttl 5 --rate 1M --duration 5 --interface eth1",
            "iperf -c 224.0.67.67 -u --ttl 5 -t 5 -b 1M -p 5005 -B 10.0.0.12",
        ], senders.Select(c => string.Join(' ', c["command"]!.AsArray().Concat(c["args"]!.AsArray()).Select(a => a!.GetValue<string>()))));
        // Pods are waited for with a watch of the run's label, not one per pod; the control is stopped by deleting it.
        Assert.All(requests.Where(r => r.Query["watch"] == "true"), w => Assert.Equal($"mcastlab.io/run={run.Value}", w.Query["labelSelector"]));
        Assert.Equal([$"/api/v1/namespaces/{Namespace}/pods/control", $"/api/v1/namespaces/{Namespace}"], requests.Where(r => r.Method == "DELETE").Select(r => r.Path));
        Assert.Equal("DELETE", requests[^1].Method);
    }

    [Fact]
    public async Task A_pod_that_cannot_pull_its_image_ends_the_run_with_pod_node_and_reason_and_the_namespace_is_deleted()
    {
        stub.PullFailure = pod => pod == "pod-2"
            ? ("ErrImagePull", "failed to pull and unpack image \"127.0.0.1:5000/mcastlab/mcast:0.1.0-test\": dial tcp 127.0.0.1:5000: connect: connection refused")
            : null;

        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Equal($"Pod {Namespace}/pod-2 on node node-002 cannot pull its image {McastImage} (ErrImagePull: failed to pull and unpack image \"127.0.0.1:5000/mcastlab/mcast:0.1.0-test\": dial tcp 127.0.0.1:5000: connect: connection refused); push the images with ./build.sh Push to a --registry every node can pull from, and run again.", error.Message);
        Assert.Equal($"/api/v1/namespaces/{Namespace}", stub.Requests[^1].Path);
        Assert.Equal("DELETE", stub.Requests[^1].Method);
    }

    [Fact]
    public async Task A_refused_namespace_creation_names_the_verb_and_resource()
    {
        stub.Forbidden = (method, path) => method == "POST" && path == "/api/v1/namespaces";

        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Equal("The cluster refused to create namespaces (403 Forbidden: namespaces is forbidden: User \"lab-user\" cannot create resource \"namespaces\" in API group \"\" at the cluster scope); grant the lab's user the rules of manifests/rbac/mcastlab-lab.yaml (README, \"Run the lab on your cluster\") and run again.", error.Message);
        Assert.DoesNotContain(stub.Requests, r => r.Method is "PATCH" or "DELETE");
    }

    [Fact]
    public async Task A_refusal_mid_run_names_what_was_refused_and_the_namespace_is_still_deleted()
    {
        stub.Forbidden = (method, path) => method == "GET" && path.EndsWith("/log", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.StartsWith($"The cluster refused to get pods/log in namespace {Namespace} (403 Forbidden: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(("DELETE", $"/api/v1/namespaces/{Namespace}"), (stub.Requests[^1].Method, stub.Requests[^1].Path));
    }

    [Fact]
    public async Task Ctrl_C_while_the_sender_runs_deletes_the_namespace()
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stub.OnRequest = (method, path) =>
        {
            if (method == "PATCH" && path.EndsWith("/pods/sender", StringComparison.Ordinal)) interrupt.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Lab().RunAsync(Request(), interrupt.Token));

        Assert.Contains(stub.Requests, r => r.Method == "DELETE" && r.Path == $"/api/v1/namespaces/{Namespace}");
    }

    [Fact]
    public async Task Ctrl_C_while_the_namespace_is_being_created_still_deletes_it()
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stub.OnRequest = (method, path) =>
        {
            if (method == "POST" && path == "/api/v1/namespaces") interrupt.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Lab().RunAsync(Request(), interrupt.Token));

        Assert.Contains(stub.Requests, r => r.Method == "DELETE" && r.Path == $"/api/v1/namespaces/{Namespace}");
        Assert.DoesNotContain(stub.Requests, r => r.Method == "PATCH");
    }

    [Fact]
    public async Task Without_Multus_the_run_says_how_to_install_the_pinned_one_and_creates_nothing()
    {
        stub.MultusInstalled = false;

        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Equal($"The cluster has no Multus (no CustomResourceDefinition network-attachment-definitions.k8s.cni.cncf.io); install the pinned Multus v4.3.0 with 'kubectl apply -f {stub.MultusManifestUrl}' (image ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick), or run again with --install-multus=true.", error.Message);
        Assert.DoesNotContain(stub.Requests, r => r.Method is "POST" or "PATCH");
    }

    [Fact]
    public async Task With_install_multus_the_pinned_release_is_applied_first()
    {
        stub.MultusInstalled = false;

        var report = await Lab(installMultus: true).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed);
        var patches = stub.Requests.Where(r => r.Method == "PATCH").Select(r => r.Path).ToList();
        Assert.Equal("/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds", patches[3]);
        Assert.Equal("ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick", stub.Requests.First(r => r.Path.EndsWith("kube-multus-ds", StringComparison.Ordinal)).Json["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_namespace_that_exists_is_never_taken_over_nor_deleted()
    {
        stub.ExistingNamespaces.Add("team-a");

        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab(ns: "team-a").RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Equal("The namespace team-a already exists and the lab deletes its namespace at the end; name a new one with --namespace, or leave it empty for mcastlab-RUN.", error.Message);
        Assert.DoesNotContain(stub.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task The_node_selector_picks_the_nodes_and_cordoned_ones_are_left_out()
    {
        stub.Nodes = Nodes(5);
        stub.Cordoned.Add("node-003");

        var report = await Lab(nodeSelector: "mcast=yes").RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.Equal("mcast=yes", stub.Requests.Single(r => r.Path == "/api/v1/nodes").Query["labelSelector"]);
        Assert.Equal(["node-001", "node-005"], report.Hosts.Select(h => h.Name));
        Assert.True(report.Passed);
    }

    [Fact]
    public async Task No_matching_node_says_so()
    {
        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab(nodeSelector: "mcast=maybe").RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Equal("The cluster has no ready, schedulable node matching --node-selector=mcast=maybe (0 listed); uncordon a node or change --node-selector, then run again.", error.Message);
    }

    [Fact]
    public async Task A_real_run_with_one_datagram_missing_fails_that_nodes_check_only()
    {
        var logs = stub.Logs;
        // The capture is of iperf's client (448 sent): it replaces the log of the iperf-sent flow's receiver on node-003.
        stub.Logs = (pod, container) => pod == "pod-3" && container == "recv-5005" ? PodLog("mcast-recv.stderr", "mcast-recv-one-missing.jsonl") : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var failed = Assert.Single(report.Failed);
        Assert.Equal("node-003/pod-3/from-pod-iperf-bind", failed.Name);
        Assert.Equal("received 447 of the 448 datagrams sent (1 missing); 1 lost.", failed.Detail);
    }

    [Fact]
    public async Task A_control_that_hears_the_group_fails_the_negative_control()
    {
        var logs = stub.Logs;
        // The control receives pod-by-route (`mcast send`): it hears that send in full.
        stub.Logs = (pod, container) => pod == "control" ? PodLog("mcast-recv.stderr", "mcast-recv-from-mcast-send.jsonl") : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var failed = Assert.Single(report.Failed);
        Assert.Equal("negative-control", failed.Name);
        Assert.StartsWith("it heard 446 datagrams on eth0", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pods_sharing_one_address_fail_the_attachment_and_uniqueness_checks()
    {
        stub.AddressOverride = pod => pod.StartsWith("pod-", StringComparison.Ordinal) ? "10.0.0.13" : null;

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.Equal([LabExperiment.AttachmentsCheck, LabExperiment.AddressesCheck], report.Failed.Select(c => c.Name));
        Assert.Equal("node-002/pod-2 got 10.0.0.13 on eth1, outside 10.0.0.93-10.0.0.172; node-003/pod-3 got 10.0.0.13 on eth1, outside 10.0.0.173-10.0.0.252.",
            report.Checks.Single(c => c.Name == LabExperiment.AttachmentsCheck).Detail);
        Assert.Equal("10.0.0.13 is held by node-001/pod-1, node-002/pod-2, node-003/pod-3" + ExperimentVerdict.PerNodeLeasesHint + ".",
            report.Checks.Single(c => c.Name == LabExperiment.AddressesCheck).Detail);
    }

    [Fact]
    public async Task A_receiver_that_never_ends_fails_after_the_grace_period()
    {
        stub.ReceiversEnd = false;
        var logs = stub.Logs;
        // The real log cut before its summary and end lines: the receiver was still running.
        stub.Logs = (pod, container) => pod == "pod-3" ? [.. Captured("mcast-recv.jsonl").Where(l => l.Contains("\"interval\"", StringComparison.Ordinal))] : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        // pod-3 receives three flows (one container each), and each of its containers is cut the same way.
        Assert.Equal(["node-003/pod-3/from-node-001/sender", "node-003/pod-3/from-pod-interface", "node-003/pod-3/from-pod-iperf-bind"], report.Failed.Select(c => c.Name));
        Assert.All(report.Failed, failed => Assert.Equal("mcast recv printed no final report (exit -1: the receiver was still running after the wait for its report).", failed.Detail));
    }

    [Fact]
    public async Task A_sender_that_fails_fails_every_receiver_of_its_flow()
    {
        stub.SenderExitCode = 1;
        var logs = stub.Logs;
        stub.Logs = (pod, container) => pod == "sender" ? ["iperf: multicast join failed: No such device"] : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        // Every sender pod of the run fails here, so every receiver expecting everything fails; the control (expecting nothing) does not.
        Assert.Equal(["node-001/pod-1/from-sender", "node-002/pod-2/from-node-001/sender", "node-003/pod-3/from-node-001/sender", "node-003/pod-3/from-pod-interface", "node-003/pod-3/from-pod-iperf-bind"], report.Failed.Select(c => c.Name));
        Assert.All(report.Failed, c => Assert.StartsWith("the sender exited with code 1 before it finished", c.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_Vagrant_backend_is_the_cluster_run_plus_mcastsrc_as_the_outside_sender_and_copied_images()
    {
        var hosts = new RecordingHosts();
        stub.Logs = (pod, container) => (pod, container) switch
        {
            ("sender", _) => stub.RunsMcastSend(pod) ? Captured("mcast-send-from-254.txt") : Captured("iperf-client-from-254.txt"),
            ("control", _) => PodLog("mcast-recv-control-eth0.stderr", "mcast-recv-control-eth0.jsonl"),
            (_, "recv-5001") => PodLog("mcast-recv.stderr", "mcast-recv.jsonl"),
            _ when stub.ReceiverPort(pod, container) is { } port && stub.SentByMcastSend(port) => PodLog("mcast-recv.stderr", "mcast-recv-from-mcast-send-254.jsonl"),
            _ => Captured("mcast-recv-from-254.jsonl"),
        };

        var report = await Lab(hosts: hosts).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, string.Join("\n", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal("vagrant", report.Backend);
        Assert.Equal([$"load {McastImage} {IperfImage}", $"send {IperfImage} 5001"], hosts.Calls);
        Assert.Equal(
        [
            "node-001/pod-1", "node-002/pod-2", "node-003/pod-3",
            "node-001/pod-1/from-sender", "node-002/pod-2/from-node-001/sender", "node-003/pod-3/from-node-001/sender", "negative-control",
            "node-003/pod-3/from-pod-interface", "node-003/pod-3/from-pod-iperf-bind",
        ], report.Checks.Where(c => c.Flow is not null).Select(c => c.Name));
        Assert.All(report.Checks.Where(c => c.Flow == "outside-to-pods"), c => Assert.Equal(FlowDirection.OutsideToPod, c.Direction));
        // mcastsrc holds --mcastsrc-address there: the sender pod takes the range's last address, out of the nodes' slices.
        Assert.Equal("10.0.0.254", report.Pods.Single(p => p.Name == "sender").NetworkStatus.Single(e => e.Interface == "eth1").Ips.Single());
        Assert.Equal(["recv-5001", "recv-5002"], stub.Pods["pod-1"]["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(stub.Pods.Values.SelectMany(p => p["spec"]!["containers"]!.AsArray()), c => Assert.Equal("Never", c!["imagePullPolicy"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Two_hundred_nodes_complete_with_every_receiver_judged_in_linear_requests_and_bounded_concurrency()
    {
        stub.Nodes = Nodes(200);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(report.Passed, string.Join("\n", report.Failed.Take(5).Select(c => $"{c.Name}: {c.Detail}")));
        // pod-by-route (`mcast send`, 446 datagrams) reaches every node's pod; the other two pod flows reach the farthest (cross-node) pod.
        Assert.Equal(200, report.Checks.Count(c => c.Flow == "pod-by-route" && c.Name.Contains("/pod-", StringComparison.Ordinal) && c.Received == 446));
        Assert.Equal(199, report.Checks.Count(c => c.Flow == "pod-by-route" && c.Direction == FlowDirection.PodToPodCrossNode));
        Assert.Equal(199 + 2, report.Checks.Count(c => c.Direction == FlowDirection.PodToPodCrossNode && c.Status == CheckStatus.Passed));
        // Per node: one attachment, one pod, one log read; the rest does not grow with nodes.
        var requests = stub.Requests;
        // The constant part grows only with the flows: each sending flow past the first adds its sender pod's apply, watch and log,
        // and a log read of the farthest pod's receiver of it (two such flows: pod-interface, pod-iperf-bind).
        Assert.InRange(requests.Count, 3 * 200, 3 * 200 + 20 + 4 * 2);
        Assert.InRange(requests.Count(r => r.Query["watch"] == "true"), 1, 6);
        // Logs are read at most LogConcurrency at a time (plus the watch held open and the run's own call).
        Assert.InRange(stub.MostActiveRequests, 1, 16 + 4);
        TestContext.Current.TestOutputHelper?.WriteLine($"200 nodes: {requests.Count} requests, at most {stub.MostActiveRequests} at once, {report.Checks.Count} checks, managed heap grew {grown / 1024} KiB over the run.");
    }

    [Fact]
    public async Task Logs_are_read_at_most_LogConcurrency_at_a_time()
    {
        stub.Nodes = Nodes(20);
        stub.LogDelay = TimeSpan.FromMilliseconds(100);

        var report = await Lab(logConcurrency: 4).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed);
        // One per node's receiver of pod-by-route, two more for the farthest pod's other flows, one per sender pod run (3).
        Assert.Equal(20 + 2 + 3, stub.Requests.Count(r => r.Path.EndsWith("/log", StringComparison.Ordinal) && r.Query["follow"] != "true"));
        Assert.InRange(stub.MostActiveLogReads, 2, 4);
    }

    [Fact]
    public async Task The_RBAC_file_grants_every_request_of_a_run_and_nothing_it_does_not_make()
    {
        var rules = YamlDocuments.Parse(File.ReadAllText(Path.Combine(Tests.RepositoryRoot.Path, "manifests", "rbac", "mcastlab-lab.yaml")))
            .Single(d => d["kind"]!.GetValue<string>() == "ClusterRole")["rules"]!.AsArray()
            .SelectMany(rule => rule!["apiGroups"]!.AsArray().SelectMany(g => rule["resources"]!.AsArray().SelectMany(r => rule["verbs"]!.AsArray().Select(v =>
                (Verb: v!.GetValue<string>(), Resource: Qualified(r!.GetValue<string>(), g!.GetValue<string>()))))))
            .ToHashSet();

        await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var made = stub.Requests
            .Select(r => ForbiddenRequestHandler.Describe(new HttpMethod(r.Method), new Uri(stub.BaseUrl + r.Path + (r.Query["watch"] == "true" ? "?watch=true" : ""))))
            .Select(d => (d.Verb, d.Resource))
            .ToHashSet();
        Assert.Empty(made.Except(rules));
        // Server-side apply that creates an object is also authorized as create: the one grant a run cannot show.
        Assert.Equal([("create", "pods"), ("create", "network-attachment-definitions.k8s.cni.cncf.io")], rules.Except(made));
    }

    private static string Qualified(string resource, string group) => group.Length > 0 ? $"{resource}.{group}" : resource;

    private ClusterLab Lab(TimeSpan? podTimeout = null, bool installMultus = false, string? ns = null, string? nodeSelector = null, IClusterHosts? hosts = null, int logConcurrency = 16)
    {
        var settings = new ClusterSettings { Namespace = ns, NodeSelector = nodeSelector, InstallMultus = installMultus, PodTimeout = podTimeout ?? TimeSpan.FromSeconds(10) };
        var parameters = BoxTestContext.Parameters();
        var pins = parameters.ClusterAddons with
        {
            Multus = new PinnedFile("Multus", "v4.3.0", stub.MultusManifestUrl, Sha256.OfText(MultusManifest), "multus-manifest-sha256"),
        };
        var client = ClusterLab.Client(new KubernetesClientConfiguration { Host = stub.BaseUrl });
        var download = new PinnedDownload(new HttpClient(), new CapturingLog(), Path.Combine(scratch.FullName, "downloads"));
        return new ClusterLab(client, download, pins, parameters.Images, hosts, log, settings, run)
        {
            SettleTime = TimeSpan.FromMilliseconds(20),
            ReportGrace = TimeSpan.FromSeconds(2),
            LogConcurrency = logConcurrency,
        };
    }

    private LabRequest Request() => new(lab, McastImage, IperfImage, Path.Combine(scratch.FullName, "manifests"));

    private sealed class RecordingHosts : IClusterHosts
    {
        public List<string> Calls { get; } = [];

        public Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken)
        {
            Calls.Add("load " + string.Join(' ', images));
            return Task.CompletedTask;
        }

        /// <summary>What iperf printed on mcastsrc: a captured real run.</summary>
        public Task<ContainerOutcome> SendAsync(string iperfImage, LabSettings lab, CancellationToken cancellationToken)
        {
            Calls.Add($"send {iperfImage} {lab.Port}");
            return Task.FromResult(new ContainerOutcome(0, string.Join("\n", Captured("iperf-client.txt")), ""));
        }
    }
}
