using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Tests.Boxes;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>The cluster backend (and the Vagrant one built on it) against the API server stub: what a run makes, and how the lab's verdict judges what its pods printed.</summary>
public sealed class ClusterLabTests : ClusterHarness
{
    [Fact]
    public async Task Three_nodes_every_direction_passes_judged_by_the_labs_verdict()
    {
        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, string.Join("\n", report.Table()) + "\n" + Describe(report));
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
            "negative-control", "node-003/pod-3/from-pod-interface", "node-003/pod-3/iperf", "node-003/pod-3/from-pod-iperf-bind", "cleanup",
        ], report.Checks.Where(c => c.Status == CheckStatus.Passed).Select(c => c.Name));
        var flows = report.Checks.Where(c => c.Flow == "pod-by-route").ToList();
        Assert.Equal([FlowDirection.PodToPodSameNode, FlowDirection.PodToPodCrossNode, FlowDirection.PodToPodCrossNode, FlowDirection.ClusterNetwork], flows.Select(c => c.Direction));
        // pod-by-route is `mcast send` (446 datagrams in its captured run); pod-iperf-bind is iperf's client (448).
        Assert.All(flows.Take(3), c => Assert.Equal((446L, 446L, 0L), (c.Sent!.Value, c.Received!.Value, c.Lost!.Value)));
        var iperf = report.Checks.Single(c => c.Name == "node-003/pod-3/from-pod-iperf-bind");
        Assert.Equal((448L, 448L, 0L), (iperf.Sent!.Value, iperf.Received!.Value, iperf.Lost!.Value));
        // iperf's server, the walkthrough's receiver, read from its log while it still runs: its report counts the end-of-test datagram.
        var server = report.Checks.Single(c => c.Name == "node-003/pod-3/iperf");
        Assert.Equal((446L, 446L), (server.Sent!.Value, server.Received!.Value));
        Assert.Equal(["10.0.0.13", "10.0.0.93", "10.0.0.173"], flows.Take(3).Select(c => c.PodAddress));
        Assert.Equal(0, flows[3].Received);
        Assert.Equal(["node-001", "node-002", "node-003", "node-001", "node-001"], report.Pods.Select(p => p.Node));
        Assert.Equal([("cbr0", "eth0", true), ($"{Namespace}/{run.Value}-eth1-multicast-1", "eth1", false)], report.Pods[0].NetworkStatus.Select(e => (e.Name, e.Interface, e.Default)));
        Assert.Equal("pod-by-route", report.Run.Flows[0].Name);
        Assert.Equal("10.0.0.12", report.Pods.Single(p => p.Name == "sender").NetworkStatus.Single(e => e.Interface == "eth1").Ips.Single());
        Assert.Equal(["node-001", "node-002", "node-003"], report.Hosts.Select(h => h.Name));
        // Each check it cannot run says why in one sentence.
        var notRun = report.Checks.Where(c => c.Status == CheckStatus.NotRun).ToDictionary(c => c.Name, c => c.NotRunReason);
        Assert.Equal(BackendTopology.NoOutsideHost, notRun["mcastsrc/from-pod-bind"]);
        Assert.EndsWith("a receiver on the node itself needs a host-network pod", notRun["node-001/from-own-pod"], StringComparison.Ordinal);
        Assert.Null(report.Run.Diagnostics);
    }

    [Fact]
    public async Task Three_nodes_by_two_pods_report_the_local_labs_checks_and_directions_except_those_not_run_with_a_reason()
    {
        var lab = BoxTestContext.Parameters(("nodes", "3"), ("pods", "2")).Lab;
        var local = LabExperiment.Plan(lab, LocalLab.Topology(lab));
        // The cluster's nodes named as the local lab names its node namespaces.
        stub.Nodes = [.. lab.NodeNames.Select(n => (n, (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["kubernetes.io/hostname"] = n }))];

        var report = await Lab().RunAsync(new LabRequest(lab, McastImage, IperfImage, Path.Combine(RunFolder, "manifests")), TestContext.Current.CancellationToken);

        Assert.Equal(local.Checks.Select(c => (c.Name, c.Direction)), report.Checks.Select(c => (c.Name, c.Direction)));
        Assert.Empty(report.Failed.Select(c => $"{c.Name}: {c.Detail}"));
        var notRun = report.Checks.Where(c => c.Status == CheckStatus.NotRun).ToList();
        Assert.All(notRun, c => Assert.False(string.IsNullOrWhiteSpace(c.NotRunReason), c.Name));
        // Not run: what needs mcastsrc (none on this cluster), and the node's own receiver; every other check passed.
        Assert.All(notRun, c => Assert.True(c.NotRunReason == BackendTopology.NoOutsideHost || c.Name == "k8s/from-own-pod", c.Name));
        Assert.Equal(local.Checks.Count - notRun.Count, report.Checks.Count(c => c.Status == CheckStatus.Passed));
        // The farthest pod is the last node's second: k8s-3/pod-6, iperf's server among its receivers.
        Assert.Contains(report.Checks, c => c.Name == "k8s-3/pod-6/iperf" && c.Status == CheckStatus.Passed);
        TestContext.Current.TestOutputHelper?.WriteLine($"{report.Checks.Count} checks: {report.Checks.Count(c => c.Status == CheckStatus.Passed)} passed, {notRun.Count} not run ({string.Join(", ", notRun.Select(c => c.Name))}).");
    }

    [Fact]
    public async Task The_run_lives_in_the_lab_namespace_under_its_label_with_the_generated_pod_spec_and_removes_only_what_it_made()
    {
        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var requests = stub.Requests.ToList();
        // Never a namespace of its own: no namespace is created or deleted.
        Assert.DoesNotContain(requests, r => r.Request.Resource == "namespaces" && r.Method is "POST" or "DELETE");
        var patches = requests.Where(r => r.Method == "PATCH").ToList();
        var prefix = $"/apis/k8s.cni.cncf.io/v1/namespaces/{Namespace}/network-attachment-definitions/{run.Value}-";
        string Pod(string name) => $"/api/v1/namespaces/{Namespace}/pods/{name}";
        Assert.Equal(
        [
            prefix + "eth1-multicast-1", prefix + "eth1-multicast-2", prefix + "eth1-multicast-3", prefix + "eth1-multicast-sender",
            Pod(PodName(1, "pod-1")), Pod(PodName(2, "pod-2")), Pod(PodName(3, "pod-3")), Pod(PodName(1, "control")),
            // A sender pod per flow it sends (a pod's spec cannot change), one at a time.
            Pod(PodName(1, "sender-pod-by-route")), Pod(PodName(1, "sender-pod-interface")), Pod(PodName(1, "sender-pod-bind")), Pod(PodName(1, "sender-pod-iperf-bind")),
        ], patches.Select(p => p.Path));
        Assert.All(patches, p =>
        {
            Assert.Equal(run.Value, p.Json["metadata"]!["labels"]!["mcastlab.io/run"]!.GetValue<string>());
            Assert.StartsWith("application/apply-patch+yaml", p.ContentType, StringComparison.Ordinal);
            Assert.Equal(("mcastlab", "Strict"), (p.Query["fieldManager"], p.Query["fieldValidation"]));
        });
        // The generator's macvlan config, a slice of the range per node, the sender's own one address.
        string Config(int i, string field) => JsonNode.Parse(patches[i].Json["spec"]!["config"]!.GetValue<string>())!["ipam"]![field]!.GetValue<string>();
        Assert.Equal(["10.0.0.13-10.0.0.92", "10.0.0.93-10.0.0.172", "10.0.0.173-10.0.0.252", "10.0.0.12-10.0.0.12"], Enumerable.Range(0, 4).Select(i => $"{Config(i, "rangeStart")}-{Config(i, "rangeEnd")}"));
        Assert.Contains("\"master\": \"eth1\"", patches[0].Json["spec"]!["config"]!.GetValue<string>(), StringComparison.Ordinal);
        var pods = patches.Where(p => p.Request.Resource == "pods").ToDictionary(p => p.Request.Name, p => p.Json);
        for (var i = 1; i <= 3; i++)
        {
            var pod = pods[PodName(i, $"pod-{i}")];
            Assert.Equal($"node-{i:000}", pod["spec"]!["nodeName"]!.GetValue<string>());
            Assert.Equal($"{run.Value}-eth1-multicast-{i}@eth1", pod["metadata"]!["annotations"]!["k8s.v1.cni.cncf.io/networks"]!.GetValue<string>());
            var container = pod["spec"]!["containers"]![0]!;
            Assert.Equal(McastImage, container["image"]!.GetValue<string>());
            Assert.Equal("recv-5002", container["name"]!.GetValue<string>());
            // It outlives the run's waits (pod timeout for the pods, then per sending flow its pod timeout and send, the grace), plus the minute
            // ReceiverArguments adds: 10 s × (1 + 4 flows) + 4 × 5 s + 2 s + 60 s.
            var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
            Assert.Equal("132", args[args.IndexOf("--duration") + 1]);
            Assert.Equal(["--expect-packets", LabTraffic.MinimumDatagrams(settings.Rate, settings.DurationSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-loss", "0"], args[^4..]);
        }
        // The farthest pod holds iperf's server too, ended by its own -t after the run's waits.
        var far = pods[PodName(3, "pod-3")]["spec"]!["containers"]!.AsArray();
        Assert.Equal(["recv-5002", "recv-5003", "iperf-5004", "recv-5005"], far.Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("iperf -s -u -B 224.0.67.67%eth1 -i 1 -p 5004 -t 72", string.Join(' ', far[2]!["command"]!.AsArray().Concat(far[2]!["args"]!.AsArray()).Select(a => a!.GetValue<string>())));
        Assert.Equal(IperfImage, far[2]!["image"]!.GetValue<string>());
        // The one pod spec (LabManifests): restricted security context, requests and limits, never restarted.
        Assert.All(pods.Values, pod =>
        {
            Assert.True(pod["spec"]!["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
            Assert.Equal("Never", pod["spec"]!["restartPolicy"]!.GetValue<string>());
            Assert.All(pod["spec"]!["containers"]!.AsArray(), c => Assert.Equal(("1", "128Mi"), (c!["resources"]!["limits"]!["cpu"]!.GetValue<string>(), c["resources"]!["limits"]!["memory"]!.GetValue<string>())));
        });
        var control = pods[PodName(1, "control")];
        Assert.Null(control["metadata"]!["annotations"]);
        Assert.Contains("eth0", control["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        var senders = pods.Where(p => p.Key.Contains("-sender-", StringComparison.Ordinal)).Select(p => p.Value["spec"]!["containers"]![0]!).ToList();
        Assert.Equal([McastImage, McastImage, McastImage, IperfImage], senders.Select(c => c["image"]!.GetValue<string>()));
        Assert.Equal(
        [
            "mcast send --group 224.0.67.67 --port 5002 --ttl 5 --rate 1M --duration 5",
            "mcast send --group 224.0.67.67 --port 5003 --ttl 5 --rate 1M --duration 5 --interface eth1",
            "mcast send --group 224.0.67.67 --port 5004 --ttl 5 --rate 1M --duration 5 --bind 10.0.0.12",
            "iperf -c 224.0.67.67 -u --ttl 5 -t 5 -b 1M -p 5005 -B 10.0.0.12",
        ], senders.Select(c => string.Join(' ', c["command"]!.AsArray().Concat(c["args"]!.AsArray()).Select(a => a!.GetValue<string>()))));
        // Pods are watched by the run's label; each sender pod is deleted (and waited for) before the next, the control to stop it;
        // the end removes the run's objects by label and waits for them: the cleanup check's observation.
        Assert.All(requests.Where(r => r.Request.Verb == "watch" && r.Request.Resource == "pods"), w => Assert.Equal($"mcastlab.io/run={run.Value}", w.Query["labelSelector"]));
        Assert.Equal(
        [
            Pod(PodName(1, "sender-pod-by-route")), Pod(PodName(1, "sender-pod-interface")), Pod(PodName(1, "sender-pod-bind")), Pod(PodName(1, "sender-pod-iperf-bind")),
            Pod(PodName(1, "control")),
        ], requests.Where(r => r.Request.Verb == "delete").Select(r => r.Path));
        var removals = requests.Where(r => r.Request.Verb == "deletecollection").ToList();
        Assert.Equal(["pods", "network-attachment-definitions"], removals.Select(r => r.Request.Resource));
        Assert.All(removals, r => Assert.Equal($"mcastlab.io/run={run.Value}", r.Query["labelSelector"]));
        Assert.Empty(stub.Store.List("pods", Namespace, _ => true).Items);
        Assert.Empty(stub.Store.List("network-attachment-definitions", Namespace, _ => true).Items);
        Assert.Contains(log.Lines, l => l.Contains($"The run's pods and attachments are gone from {Namespace}", StringComparison.Ordinal));
        Assert.Equal(CheckStatus.Passed, report.Checks.Single(c => c.Name == LabExperiment.CleanupCheck).Status);
    }

    [Fact]
    public async Task Objects_still_terminating_after_the_wait_fail_the_cleanup_check_naming_them()
    {
        // A kubelet that takes its time: the run's pods stay Terminating beyond the (short) removal wait.
        stub.Kubelet.TerminationTime = TimeSpan.FromSeconds(30);

        var report = await Lab(removalWait: TimeSpan.FromSeconds(1)).RunAsync(Request(), TestContext.Current.CancellationToken);

        var cleanup = report.Checks.Single(c => c.Name == LabExperiment.CleanupCheck);
        Assert.Equal(CheckStatus.Failed, cleanup.Status);
        Assert.Contains($"pod {Namespace}/{PodName(1, "pod-1")} (Terminating) still there 1 s after its deletion", cleanup.Detail, StringComparison.Ordinal);
        Assert.Contains(log.Lines, l => l.Contains("were still there 1 s after their deletion", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keep_run_leaves_the_runs_objects_says_how_to_remove_them_and_the_cleanup_check_says_why_not_run()
    {
        var report = await Lab(keep: true).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.DoesNotContain(stub.Requests, r => r.Request.Verb == "deletecollection");
        Assert.Equal(4, stub.Store.List("network-attachment-definitions", Namespace, _ => true).Items.Count);
        Assert.Contains(log.Lines, l => l.Contains($"kubectl -n {Namespace} delete pods,net-attach-def -l mcastlab.io/run={run.Value}", StringComparison.Ordinal));
        Assert.Equal("--keep-run leaves the run's pods and attachments in place for inspection", report.Checks.Single(c => c.Name == LabExperiment.CleanupCheck).NotRunReason);
    }

    [Fact]
    public async Task Ctrl_C_while_a_sender_runs_removes_the_runs_objects()
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        stub.OnRequest = (method, path) =>
        {
            if (method == "PATCH" && path.Contains("-sender-", StringComparison.Ordinal) && path.Contains("/pods/", StringComparison.Ordinal)) interrupt.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Lab().RunAsync(Request(), interrupt.Token));

        Assert.Contains(stub.Requests, r => r.Request.Verb == "deletecollection" && r.Request.Resource == "pods");
        Assert.Empty(stub.Store.List("pods", Namespace, _ => true).Items);
        Assert.False(Directory.Exists(Path.Combine(RunFolder, "diagnostics")));
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
    public async Task With_install_multus_a_cluster_admin_applies_the_pinned_release_first()
    {
        stub.MultusInstalled = false;
        stub.Admin = true;

        var report = await Lab(installMultus: true).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        var patches = stub.Requests.Where(r => r.Method == "PATCH").Select(r => r.Path).ToList();
        Assert.Equal("/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds", patches[3]);
        Assert.Equal("ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick", stub.Requests.First(r => r.Path.EndsWith("kube-multus-ds", StringComparison.Ordinal)).Json["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_node_selector_picks_the_nodes_and_cordoned_ones_are_left_out()
    {
        stub.Nodes = Nodes(5);
        stub.Cordoned.Add("node-003");

        var report = await Lab(nodeSelector: "mcast=yes").RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.Equal("mcast=yes", stub.Requests.Single(r => r.Path == "/api/v1/nodes").Query["labelSelector"]);
        Assert.Equal(["node-001", "node-005"], report.Hosts.Select(h => h.Name));
        Assert.True(report.Passed, Describe(report));
    }

    [Fact]
    public async Task A_tainted_node_is_skipped_and_said_so()
    {
        stub.Taints["node-002"] = ("maintenance", "true", "NoExecute");

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.Equal(["node-001", "node-003"], report.Hosts.Select(h => h.Name));
        Assert.DoesNotContain(stub.Requests, r => r.Method == "PATCH" && r.Json["spec"]?["nodeName"]?.GetValue<string>() == "node-002");
        Assert.Contains("Node node-002 is left out: it has the taint maintenance=true:NoExecute (name its key in --tolerate-taints to use it).", log.Lines);
    }

    [Fact]
    public async Task A_tolerated_taint_keeps_the_node_and_its_pods_tolerate_it()
    {
        stub.Taints["node-002"] = ("maintenance", "true", "NoExecute");

        var report = await Lab(tolerate: ["maintenance"]).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.Equal(["node-001", "node-002", "node-003"], report.Hosts.Select(h => h.Name));
        var pod = stub.Requests.First(r => r.Method == "PATCH" && r.Json["spec"]?["nodeName"]?.GetValue<string>() == "node-002").Json;
        Assert.Equal("maintenance", pod["spec"]!["tolerations"]![0]!["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_pod_sent_to_a_node_whose_taint_it_does_not_tolerate_is_rejected_by_the_kubelet_with_its_reason()
    {
        // What the node check prevents: with nodeName the kubelet itself rejects a pod that does not tolerate a NoExecute taint.
        stub.Taints["node-002"] = ("maintenance", "true", "NoExecute");
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "pinned", ["labels"] = new JsonObject { ["mcastlab.io/run"] = run.Value } },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = "node-002",
                ["securityContext"] = new JsonObject { ["runAsNonRoot"] = true, ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" } },
                ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = McastImage, ["securityContext"] = new JsonObject { ["allowPrivilegeEscalation"] = false, ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") } } }),
            },
        };
        await new ServerSideApply(Client()).ApplyAsync(pod, Namespace, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<PipelineException>(() => new PodWatcher(Client(), log).WaitForPodsAsync(Namespace, $"mcastlab.io/run={run.Value}", ["pinned"], untilEnded: false, TimeSpan.FromSeconds(10), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal($"Pod {Namespace}/pinned on node node-002 ended (Failed: TaintToleration) before the lab could use it; read its output with 'kubectl -n {Namespace} logs pinned --all-containers'.", error.Message);
    }

    [Fact]
    public async Task No_matching_node_says_so()
    {
        var error = await Assert.ThrowsAsync<PipelineException>(() => Lab(nodeSelector: "mcast=maybe").RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Equal("The cluster has no ready, schedulable, untainted node matching --node-selector=mcast=maybe (0 listed, 0 tainted); uncordon a node, change --node-selector or name the taint in --tolerate-taints, then run again.", error.Message);
    }

    [Fact]
    public async Task A_real_run_with_one_datagram_missing_fails_that_nodes_check_only_and_links_its_diagnostics()
    {
        var logs = stub.Kubelet.Logs;
        // The capture is of iperf's client (448 sent): it replaces the log of the iperf-sent flow's receiver on node-003.
        stub.Kubelet.Logs = (pod, container) => pod == "pod-3" && container == "recv-5005" ? PodLog("mcast-recv.stderr", "mcast-recv-one-missing.jsonl") : logs(pod, container);
        stub.Kubelet.ReceiverExitCode = (pod, container) => pod == "pod-3" && container == "recv-5005" ? 1 : 0;

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var failed = Assert.Single(report.Failed);
        Assert.Equal("node-003/pod-3/from-pod-iperf-bind", failed.Name);
        Assert.Equal("received 447 of the 448 datagrams sent (1 missing); 1 lost.", failed.Detail);
        // The receiver exited 1 (it expected everything): the run kept what the cluster said about it.
        Assert.Equal($"runs/{run.Value}/diagnostics/", report.Run.Diagnostics);
        Assert.True(File.Exists(Path.Combine(RunFolder, "diagnostics", "logs", $"{PodName(3, "pod-3")}.recv-5005.log")));
        Assert.Contains($"<a href=\"runs/{run.Value}/diagnostics/\">", McastLab.Pipeline.Lab.Views.HtmlReport.Render(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_control_that_hears_the_group_fails_the_negative_control()
    {
        var logs = stub.Kubelet.Logs;
        // The control receives pod-by-route (`mcast send`): it hears that send in full.
        stub.Kubelet.Logs = (pod, container) => pod == "control" ? PodLog("mcast-recv.stderr", "mcast-recv-from-mcast-send.jsonl") : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var failed = Assert.Single(report.Failed);
        Assert.Equal("negative-control", failed.Name);
        Assert.StartsWith("it heard 446 datagrams on eth0", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_iperf_server_that_heard_nothing_fails_its_check()
    {
        var logs = stub.Kubelet.Logs;
        stub.Kubelet.Logs = (pod, container) => container.StartsWith(ClusterPlan.IperfContainerPrefix, StringComparison.Ordinal) ? Captured("iperf-server-heard-nothing.txt") : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var failed = Assert.Single(report.Failed);
        Assert.Equal("node-003/pod-3/iperf", failed.Name);
        Assert.StartsWith("iperf printed no final report", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pods_sharing_one_address_fail_the_attachment_and_uniqueness_checks()
    {
        stub.Kubelet.AddressOverride = pod => pod.StartsWith("pod-", StringComparison.Ordinal) ? "10.0.0.13" : null;

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
        stub.Kubelet.ReceiversEnd = false;
        var logs = stub.Kubelet.Logs;
        // The real log cut before its summary and end lines: the receiver was still running.
        stub.Kubelet.Logs = (pod, container) => pod == "pod-3" && container.StartsWith("recv-", StringComparison.Ordinal)
            ? [.. Captured("mcast-recv.jsonl").Where(l => l.Contains("\"interval\"", StringComparison.Ordinal))] : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        // pod-3 receives three flows with mcast recv (one container each), and each of them is cut the same way.
        Assert.Equal(["node-003/pod-3/from-node-001/sender", "node-003/pod-3/from-pod-interface", "node-003/pod-3/from-pod-iperf-bind"], report.Failed.Select(c => c.Name));
        Assert.All(report.Failed, failed => Assert.Equal("mcast recv printed no final report (exit -1: the receiver was still running after the wait for its report).", failed.Detail));
    }

    [Fact]
    public async Task A_sender_that_fails_fails_every_receiver_of_its_flow()
    {
        stub.Kubelet.SenderExitCode = 1;
        var logs = stub.Kubelet.Logs;
        stub.Kubelet.Logs = (pod, container) => pod.StartsWith("sender-", StringComparison.Ordinal) ? ["iperf: multicast join failed: No such device"] : logs(pod, container);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        // Every sender pod of the run fails here, so every receiver expecting everything fails; the control (expecting nothing) does not.
        Assert.Equal(["node-001/pod-1/from-sender", "node-002/pod-2/from-node-001/sender", "node-003/pod-3/from-node-001/sender", "node-003/pod-3/from-pod-interface", "node-003/pod-3/iperf", "node-003/pod-3/from-pod-iperf-bind"], report.Failed.Select(c => c.Name));
        Assert.All(report.Failed, c => Assert.StartsWith("the sender exited with code 1 before it finished", c.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_Vagrant_backend_is_the_cluster_run_plus_mcastsrc_as_the_outside_sender_and_copied_images()
    {
        var hosts = new RecordingHosts(stub, Namespace, run.Value);
        stub.Admin = true;
        stub.Kubelet.Logs = Logs(fromRangeEnd: true);

        var report = await Lab(hosts: hosts).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.Equal("vagrant", report.Backend);
        // mcastsrc's sender: the experiment's own arguments (LabExperiment.SenderArguments), bound to mcastsrc's address.
        // mcastsrc's receivers start with the pods, one per flow it hears; then its sender, the walkthrough's iperf with
        // the experiment's own arguments (LabExperiment.SenderArguments), bound to mcastsrc's address.
        Assert.Equal(
        [
            $"load {McastImage} {IperfImage}",
            .. Enumerable.Range(5002, 4).Select(port => $"receive {run.Value}-recv-{port} {McastImage} mcast recv --group 224.0.67.67 --port {port} --format json"),
            $"send {IperfImage} iperf -c 224.0.67.67 -u --ttl 5 -t 5 -b 1M -p 5001 -B 10.0.0.12",
        ], hosts.Calls);
        // With mcastsrc every check runs but the node's own (it would need a host-network pod).
        Assert.Equal(["node-001/from-own-pod"], report.Checks.Where(c => c.Status == CheckStatus.NotRun).Select(c => c.Name));
        Assert.Equal(
        [
            "node-001/pod-1", "node-002/pod-2", "node-003/pod-3", "node-001/sender/no-interface",
            "mcastsrc/from-pod-by-route", "node-001/pod-1/from-sender", "node-002/pod-2/from-node-001/sender", "node-003/pod-3/from-node-001/sender", "negative-control",
            "mcastsrc/from-pod-interface", "node-003/pod-3/from-pod-interface", "mcastsrc/from-pod-bind", "node-003/pod-3/iperf",
            "mcastsrc/from-pod-iperf-bind", "node-003/pod-3/from-pod-iperf-bind",
        ], report.Checks.Where(c => c.Flow is not null).Select(c => c.Name));
        Assert.All(report.Checks.Where(c => c.Flow == "outside-to-pods"), c => Assert.Equal(FlowDirection.OutsideToPod, c.Direction));
        // mcastsrc holds --mcastsrc-address there: the sender pod takes the range's last address, out of the nodes' slices.
        Assert.Equal("10.0.0.254", report.Pods.Single(p => p.Name == "sender").NetworkStatus.Single(e => e.Interface == "eth1").Ips.Single());
        var pods = stub.Requests.Where(r => r.Method == "PATCH" && r.Request.Resource == "pods").ToDictionary(r => r.Request.Name, r => r.Json);
        Assert.Equal(["recv-5001", "recv-5002"], pods[PodName(1, "pod-1")]["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        // The sender pod first stands as the outside flow's receiver naming no interface, and is gone before the first sender pod takes its address.
        var sender = pods[PodName(1, "sender")]["spec"]!["containers"]!.AsArray().Single()!;
        Assert.Equal(("recv-5001", false), (sender["name"]!.GetValue<string>(), sender["args"]!.AsArray().Any(a => a!.GetValue<string>() == "--interface")));
        var order = stub.Requests.Select(r => (r.Request.Verb, r.Request.Name)).ToList();
        Assert.True(order.IndexOf(("delete", PodName(1, "sender"))) < order.IndexOf(("patch", PodName(1, "sender-pod-by-route"))));
        Assert.All(pods.Values.SelectMany(p => p["spec"]!["containers"]!.AsArray()), c => Assert.Equal("Never", c!["imagePullPolicy"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_receiver_on_mcastsrc_that_hears_nothing_is_stopped_after_the_grace_and_fails_its_check()
    {
        var hosts = new RecordingHosts(stub, Namespace, run.Value) { Deaf = 5004 };
        stub.Admin = true;
        stub.Kubelet.Logs = Logs(fromRangeEnd: true);

        var report = await Lab(hosts: hosts).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.Contains($"stop {run.Value}-recv-5004", hosts.Calls);
        var failed = Assert.Single(report.Failed);
        Assert.Equal("mcastsrc/from-pod-bind", failed.Name);
        Assert.StartsWith("received 0 of the 446 datagrams sent", failed.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_hundred_nodes_complete_with_every_receiver_judged_in_linear_requests_bounded_concurrency_and_bounded_heap()
    {
        stub.Nodes = Nodes(200);
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(report.Passed, string.Join("\n", report.Failed.Take(5).Select(c => $"{c.Name}: {c.Detail}")));
        // pod-by-route (`mcast send`, 446 datagrams) reaches every node's pod; the other pod flows reach the farthest (cross-node) pod.
        Assert.Equal(200, report.Checks.Count(c => c.Flow == "pod-by-route" && c.Name.Contains("/pod-", StringComparison.Ordinal) && c.Received == 446));
        Assert.Equal(199, report.Checks.Count(c => c.Flow == "pod-by-route" && c.Direction == FlowDirection.PodToPodCrossNode));
        Assert.Equal(199 + 3, report.Checks.Count(c => c.Direction == FlowDirection.PodToPodCrossNode && c.Status == CheckStatus.Passed));
        // Per node: one attachment, one pod, one log read; the rest grows only with the flows (each sender pod's apply,
        // watches, log, deletion and wait; a log read of the farthest pod's receiver of it) and the cleanup's lists.
        var requests = stub.Requests;
        Assert.InRange(requests.Count, 3 * 200, 3 * 200 + 80);
        Assert.InRange(requests.Count(r => r.Query["watch"] == "true"), 1, 16);
        // Logs are read at most LogConcurrency (docs/cluster.md: 16) at a time, plus the two watches held open and the run's own call.
        Assert.InRange(stub.MostActiveLogReads, 1, ClusterLab.DefaultLogConcurrency);
        Assert.InRange(stub.MostActiveRequests, 1, ClusterLab.DefaultLogConcurrency + 4);
        // What the run keeps (report, pods, outputs) grows with nodes; 200 nodes stay well under 64 MiB of managed heap.
        Assert.InRange(grown, long.MinValue, 64L * 1024 * 1024);
        TestContext.Current.TestOutputHelper?.WriteLine($"200 nodes: {requests.Count} requests, at most {stub.MostActiveRequests} at once, {report.Checks.Count} checks, managed heap grew {grown / 1024} KiB over the run.");
    }

    [Fact]
    public async Task Logs_are_read_at_most_LogConcurrency_at_a_time()
    {
        stub.Nodes = Nodes(20);
        stub.LogDelay = TimeSpan.FromMilliseconds(100);

        var report = await Lab(logConcurrency: 4).RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        // One per node's receiver of pod-by-route, three more for the farthest pod's other flows, one per sender pod (4).
        Assert.Equal(20 + 3 + 4, stub.Requests.Count(r => r.Path.EndsWith("/log", StringComparison.Ordinal) && r.Query["follow"] != "true"));
        Assert.InRange(stub.MostActiveLogReads, 2, 4);
    }

    /// <summary>mcastsrc as the stub sees it: the send ends the receivers of its port, as its end-of-test datagram does.</summary>
    private sealed class RecordingHosts(KubernetesApiStub stub, string ns, string run) : IClusterHosts
    {
        public List<string> Calls { get; } = [];

        /// <summary>A port whose receiver on mcastsrc hears nothing, so it never ends by itself: stopping it makes it report (nothing).</summary>
        public int? Deaf { get; init; }

        private readonly TaskCompletionSource<ContainerOutcome> deafReport = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken)
        {
            Calls.Add("load " + string.Join(' ', images));
            return Task.CompletedTask;
        }

        /// <summary>What iperf printed on mcastsrc: a captured real run.</summary>
        public Task<ContainerOutcome> SendAsync(string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            Calls.Add($"send {image} {program} {string.Join(' ', arguments)}");
            stub.Kubelet.SentOn(ns, run, int.Parse(arguments[arguments.ToList().IndexOf("-p") + 1], System.Globalization.CultureInfo.InvariantCulture));
            return Task.FromResult(new ContainerOutcome(0, string.Join("\n", Captured("iperf-client.txt")), ""));
        }

        /// <summary>What `mcast recv` printed on mcastsrc hearing the sender pod (bound to 10.0.0.254): a captured real run of the flow's tool.</summary>
        public Task<ContainerOutcome> ReceiveAsync(string name, string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            var args = arguments.ToList();
            Calls.Add($"receive {name} {image} {program} {string.Join(' ', args.Take(7))}");
            var port = args[args.IndexOf("--port") + 1];
            if (port == Deaf?.ToString(System.Globalization.CultureInfo.InvariantCulture)) return deafReport.Task;
            var iperfSent = port == "5005";
            return Task.FromResult(new ContainerOutcome(0, string.Join("\n", Captured(iperfSent ? "mcast-recv-from-254.jsonl" : "mcast-recv-from-mcast-send-254.jsonl")), ""));
        }

        public Task StopReceiverAsync(string name, CancellationToken cancellationToken)
        {
            Calls.Add($"stop {name}");
            // SIGTERM: mcast recv prints its final report, here of a receiver that heard nothing (the control's capture).
            deafReport.TrySetResult(new ContainerOutcome(0, string.Join("\n", Captured("mcast-recv-control-eth0.jsonl")), ""));
            return Task.CompletedTask;
        }
    }
}
