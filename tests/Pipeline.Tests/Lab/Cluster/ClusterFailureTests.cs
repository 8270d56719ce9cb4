using System.Diagnostics;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

/// <summary>
/// What a real cluster does that a thin stub would not, one behaviour each: a failed sandbox reported only as an
/// Event, image pulls that back off (and recover, or not), watches cut or expired mid-run, 403s from each of
/// RBAC, Pod Security, a webhook, a quota and a terminating namespace, and the lab's namespace missing.
/// </summary>
public sealed class ClusterFailureTests : ClusterHarness
{
    private const string MacvlanError = "plugin type=\"multus\" name=\"multus-cni-network\" failed (add): [mcastlab/pod-2/]: error adding container to network \"eth1-multicast-2\": Link not found";

    [Fact]
    public async Task A_broken_attachment_ends_the_run_at_its_event_quotes_it_and_leaves_a_diagnostics_folder()
    {
        stub.Kubelet.SandboxFailure = pod => pod == "pod-2" ? MacvlanError : null;
        var clock = Stopwatch.StartNew();

        // The wait for pods is 300 s, as by default: only the event can end it early.
        var report = await Lab(podTimeout: TimeSpan.FromSeconds(300)).RunAsync(Request(), TestContext.Current.CancellationToken);

        var error = SetupFailure(report);
        TestContext.Current.TestOutputHelper?.WriteLine($"Ended {clock.Elapsed.TotalSeconds:0.0} s after the start, with --pod-timeout 300 s.");
        Assert.StartsWith($"Pod {Namespace}/{PodName(2, "pod-2")} on node node-002 cannot start: FailedCreatePodSandBox: Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox", error, StringComparison.Ordinal);
        Assert.Contains(MacvlanError, error, StringComparison.Ordinal);
        Assert.DoesNotContain("describe", error, StringComparison.Ordinal);
        var diagnostics = Path.Combine(RunFolder, "diagnostics");
        Assert.EndsWith($"(diagnostics in {diagnostics}).", error, StringComparison.Ordinal);
        Assert.Contains("FailedCreatePodSandBox", File.ReadAllText(Path.Combine(diagnostics, "events.txt")), StringComparison.Ordinal);
        var pods = JsonNode.Parse(File.ReadAllText(Path.Combine(diagnostics, "pods.json")))!["items"]!.AsArray();
        Assert.Equal(4, pods.Count);
        Assert.Equal("ContainerCreating", pods.Single(p => p!["metadata"]!["name"]!.GetValue<string>() == PodName(2, "pod-2"))!["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]!.GetValue<string>());
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(Path.Combine(diagnostics, "network-status.json")))![PodName(1, "pod-1")]);
        Assert.Contains("KubeletReady", File.ReadAllText(Path.Combine(diagnostics, "nodes.json")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(diagnostics, "errors.txt")), File.Exists(Path.Combine(diagnostics, "errors.txt")) ? File.ReadAllText(Path.Combine(diagnostics, "errors.txt")) : "");
        // Saved before the pods went: removal came after, and the report links the folder.
        Assert.Empty(stub.Store.List("pods", Namespace, _ => true).Items);
        Assert.Equal($"runs/{run.Value}/diagnostics/", report.Run.Diagnostics);
        Assert.Equal(CheckStatus.Passed, report.Checks.Single(c => c.Name == LabExperiment.CleanupCheck).Status);
    }

    [Fact]
    public async Task One_ErrImagePull_that_recovers_is_waited_out_and_the_run_passes()
    {
        stub.Kubelet.PullFailure = pod => pod == "pod-2" ? ("failed to pull and unpack image: dial tcp 10.0.0.1:5000: i/o timeout", false) : null;

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.Contains(stub.Store.List("events", Namespace, e => e["reason"]!.GetValue<string>() == "BackOff").Items, e => e["involvedObject"]!["name"]!.GetValue<string>() == PodName(2, "pod-2"));
    }

    [Fact]
    public async Task An_image_pull_that_keeps_backing_off_ends_the_run_with_the_registrys_words()
    {
        stub.Kubelet.PullFailure = pod => pod == "pod-2" ? ("failed to pull and unpack image \"127.0.0.1:5000/mcastlab/mcast:0.1.0-test\": dial tcp 127.0.0.1:5000: connect: connection refused", true) : null;

        var error = SetupFailure(await Lab(podTimeout: TimeSpan.FromSeconds(300), pullPatience: TimeSpan.FromSeconds(1)).RunAsync(Request(), TestContext.Current.CancellationToken));

        TestContext.Current.TestOutputHelper?.WriteLine(error);
        Assert.StartsWith($"Pod {Namespace}/{PodName(2, "pod-2")} on node node-002 cannot pull its image {McastImage} (ImagePullBackOff: Back-off pulling image \"{McastImage}\"); Failed to pull image \"{McastImage}\": failed to pull and unpack image", error, StringComparison.Ordinal);
        Assert.Contains("connection refused; push the images with ./build.sh Push to a --registry every node can pull from, and run again (diagnostics in ", error, StringComparison.Ordinal);
    }

    /// <summary>Once the sender's wait has its watches open: cut them (and compact first, for a 410), a moment later.</summary>
    private void DisruptWatchesDuringTheSendersWait(bool compact, Action<int> cut)
    {
        var once = 0;
        stub.OnRequest = (method, path) =>
        {
            if (method != "PATCH" || !path.EndsWith("-n1-sender-pod-by-route", StringComparison.Ordinal) || Interlocked.Exchange(ref once, 1) == 1) return;
            _ = Task.Run(async () =>
            {
                // The sender's wait opens its watch of the pods just after the apply: cut once it is open.
                var before = stub.Requests.Count;
                for (var i = 0; i < 200 && !stub.Requests.Skip(before).Any(r => r.Request.Verb == "watch" && r.Request.Resource == "pods"); i++) await Task.Delay(10);
                await Task.Delay(50);
                cut(stub.CutOpenWatches());
                if (!compact) return;
                // While the client is away the cluster writes on (here: another object), then etcd compacts:
                // the version the client resumes from is gone.
                stub.Store.Put("configmaps", "default", "elsewhere", new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "elsewhere" } });
                stub.Store.Compact();
            });
        };
    }

    [Fact]
    public async Task Watches_cut_mid_run_are_resumed_from_their_resourceVersion_and_the_run_passes()
    {
        var cuts = 0;
        stub.Kubelet.SendTime = TimeSpan.FromMilliseconds(500);
        DisruptWatchesDuringTheSendersWait(compact: false, n => cuts = n);

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.InRange(cuts, 1, 10);
        // Resumed from the last resourceVersion, not from a new list.
        var sender = stub.Requests.ToList().FindIndex(r => r.Method == "PATCH" && r.Path.EndsWith("-n1-sender-pod-by-route", StringComparison.Ordinal));
        var watches = stub.Requests.Skip(sender).Where(r => r.Request.Verb == "watch" && r.Request.Resource == "pods").ToList();
        Assert.True(watches.Count >= 2, $"{watches.Count} watch(es) of the pods after the cut");
        Assert.All(watches, w => Assert.NotEqual("0", w.Query["resourceVersion"] ?? "0"));
    }

    [Fact]
    public async Task A_410_Gone_after_a_compaction_lists_again_and_the_run_passes()
    {
        stub.Kubelet.SendTime = TimeSpan.FromMilliseconds(500);
        DisruptWatchesDuringTheSendersWait(compact: true, _ => { });

        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, Describe(report));
        Assert.InRange(stub.ExpiredWatches, 1, 10);
        Assert.Contains(log.Lines, l => l.Contains("is too old for the API server (too old resource version:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_RBAC_refusal_says_to_grant_the_rules_of_manifests_rbac()
    {
        stub.User = "someone";
        stub.GroupsOverride = ["system:authenticated"];

        var error = (await Assert.ThrowsAsync<PipelineException>(() => Lab().RunAsync(Request(), TestContext.Current.CancellationToken))).Message;

        Assert.Equal("The cluster refused to list nodes (403 Forbidden: nodes is forbidden: User \"someone\" cannot list resource \"nodes\" in API group \"\" at the cluster scope); grant the lab's user the rules of manifests/rbac/mcastlab-lab.yaml (docs/cluster.md, \"Permissions\") and run again.", error);
    }

    [Fact]
    public async Task A_Pod_Security_refusal_names_the_namespace_level_not_RBAC()
    {
        // The lab's pods meet "restricted"; a pod that does not (no security context) meets the namespace's level.
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "plain", ["namespace"] = Namespace },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = McastImage }) },
        };

        var error = (await Assert.ThrowsAsync<PipelineException>(() => new ServerSideApply(Client()).ApplyAsync(pod, Namespace, TestContext.Current.CancellationToken))).Message;

        Assert.Equal($"The cluster refused to patch pods in namespace {Namespace} (403 Forbidden: pods \"plain\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")); the namespace's Pod Security level refuses the lab's pods; label {Namespace} pod-security.kubernetes.io/enforce=restricted (the lab's pods meet it) or lower, as manifests/rbac/mcastlab-lab.yaml does.", error);
    }

    [Fact]
    public async Task A_webhook_denial_names_the_webhook_and_its_owner()
    {
        stub.Webhook = new DenyingWebhook("validate.kyverno.svc-fail", "\n\npolicy Pod/mcastlab/x for resource violation: \n\nrequire-team-label:\n  check-team: 'validation error: label team is required'");

        var error = SetupFailure(await Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.StartsWith($"The cluster refused to patch pods in namespace {Namespace} (400 Bad Request: admission webhook \"validate.kyverno.svc-fail\" denied the request: ", error, StringComparison.Ordinal);
        Assert.Contains("an admission webhook (a policy engine such as Kyverno or Gatekeeper) refused it; ask its owner for an exception", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quota_requiring_limits_admits_the_labs_pods_and_a_full_quota_is_named()
    {
        stub.Quota = new StubQuota("compute", RequiresLimits: true);
        var report = await Lab().RunAsync(Request(), TestContext.Current.CancellationToken);
        Assert.True(report.Passed, Describe(report));

        stub.Quota = new StubQuota("compute", RequiresLimits: true, Pods: 3);
        var error = SetupFailure(await Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Contains("is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3); a ResourceQuota of mcastlab refused it; raise the quota", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_quota_refuses_a_pod_without_limits_in_its_own_words()
    {
        stub.Quota = new StubQuota("compute", RequiresLimits: true);
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "nolimits", ["namespace"] = "default" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = McastImage }) },
        };
        stub.Admin = true;

        var error = (await Assert.ThrowsAsync<PipelineException>(() => new ServerSideApply(Client()).ApplyAsync(pod, "default", TestContext.Current.CancellationToken))).Message;

        Assert.Contains("(403 Forbidden: pods \"nolimits\" is forbidden: failed quota: compute: must specify limits.cpu for: c; limits.memory for: c); a ResourceQuota of default refused it", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_namespace_being_deleted_before_the_run_is_said_so()
    {
        stub.NamespaceDeletion = TimeSpan.FromMinutes(5);
        stub.BeginNamespaceDeletion(Namespace);

        var error = (await Assert.ThrowsAsync<PipelineException>(() => Lab().RunAsync(Request(), TestContext.Current.CancellationToken))).Message;

        Assert.StartsWith($"The lab's namespace {Namespace} is being deleted (Terminating since ", error, StringComparison.Ordinal);
        Assert.EndsWith($"wait until 'kubectl get namespace {Namespace}' finds none, re-apply manifests/rbac/mcastlab-lab.yaml as a cluster admin, then run again.", error, StringComparison.Ordinal);
        Assert.DoesNotContain(stub.Requests, r => r.Method == "PATCH");
    }

    [Fact]
    public async Task A_namespace_deleted_mid_run_refuses_the_next_create_and_the_advice_says_why()
    {
        stub.NamespaceDeletion = TimeSpan.FromMinutes(5);
        stub.OnRequest = (method, path) =>
        {
            if (method == "PATCH" && path.EndsWith("-n1-control", StringComparison.Ordinal)) stub.BeginNamespaceDeletion(Namespace);
        };

        var error = SetupFailure(await Lab().RunAsync(Request(), TestContext.Current.CancellationToken));

        Assert.Contains($"(403 Forbidden: pods \"{PodName(1, "control")}\" is forbidden: unable to create new content in namespace {Namespace} because it is being terminated); the namespace {Namespace} is being deleted; wait until", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_lab_namespace_says_to_apply_manifests_rbac()
    {
        var error = (await Assert.ThrowsAsync<PipelineException>(() => Lab(ns: "mcastlab-other").RunAsync(Request(), TestContext.Current.CancellationToken))).Message;

        Assert.Equal("The lab's namespace mcastlab-other does not exist; have a cluster admin apply manifests/rbac/mcastlab-lab.yaml (it makes the namespace and the lab's permissions in it), or name yours with --namespace, then run again.", error);
    }
}
