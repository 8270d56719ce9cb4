using McastLab.Pipeline.Downloads;
using k8s;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Tests.Boxes;
using McastLab.Pipeline.Tests.Lab.Cluster;
using McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>One experiment for every backend, planned from the topology the backend reports, and judged in Lab/.</summary>
public sealed class ExperimentTests
{
    private static readonly (string, string)[] ThreeByTwo = [("nodes", "3"), ("pods", "2")];

    private static (string Name, string? Direction)[] Planned(LabExperiment e) => [.. e.Checks.Select(c => (c.Name, c.Direction))];

    /// <summary>The cluster backend's own topology, from the Kubernetes API stub with three schedulable nodes named as the local lab names them.</summary>
    private static async Task<BackendTopology> ClusterTopologyAsync(LabSettings lab, bool outside)
    {
        using var stub = new KubernetesApiStub
        {
            Nodes = [.. lab.NodeNames.Select(n => (n, (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["kubernetes.io/hostname"] = n }))],
        };
        var parameters = BoxTestContext.Parameters(ThreeByTwo);
        var client = ClusterLab.Client(new KubernetesClientConfiguration { Host = stub.BaseUrl });
        var hosts = outside ? new NoHosts() : null;
        var cluster = new ClusterLab(client, new PinnedDownload(new HttpClient(), new CapturingLog(), Path.GetTempPath()), parameters.ClusterAddons,
            parameters.Images, hosts, new CapturingLog(), new ClusterSettings { PodTimeout = TimeSpan.FromSeconds(10) }, LabRunId.New());
        return await cluster.DiscoverAsync(new LabRequest(lab, "m", "i", "manifests"), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_cluster_plans_the_same_checks_and_directions_as_the_local_lab_except_those_it_marks_not_run(bool outside)
    {
        var lab = BoxTestContext.Parameters(ThreeByTwo).Lab;
        var local = LabExperiment.Plan(lab, LocalLab.Topology(lab));

        var cluster = LabExperiment.Plan(lab, await ClusterTopologyAsync(lab, outside));

        Assert.Equal(Planned(local), Planned(cluster));
        Assert.Empty(local.NotRun);
        Assert.NotEmpty(cluster.NotRun);
        Assert.All(cluster.NotRun.Values, reason => Assert.False(string.IsNullOrWhiteSpace(reason)));
        // What runs on both is the same flows with the same receivers; the rest is exactly what the cluster marks not run.
        var runs = cluster.Flows.SelectMany(f => f.Receivers).Select(r => r.Check).ToHashSet();
        Assert.Equal(local.Flows.SelectMany(f => f.Receivers).Select(r => r.Check).Where(c => !runs.Contains(c)).Order(),
            cluster.NotRun.Keys.Where(k => k != LabExperiment.CleanupCheck).Order());
        // Three nodes × two pods: --pods receivers on every node, in both.
        Assert.Equal(6, cluster.ReceiverPods.Count());
        Assert.Equal(outside, !cluster.NotRun.ContainsKey("k8s/pod-1"));
    }

    [Fact]
    public void Without_an_outside_host_every_sender_way_still_runs_pod_to_pod_and_mcastsrcs_checks_say_why_not()
    {
        var lab = BoxTestContext.Parameters(ThreeByTwo).Lab;

        var experiment = LabExperiment.Plan(lab, new BackendTopology(lab.NodeNames, 2, false, new Dictionary<LabAbility, string>()));

        Assert.Equal(
            [(FlowTool.McastSend, SourceChoice.Route), (FlowTool.McastSend, SourceChoice.Interface), (FlowTool.McastSend, SourceChoice.Bind), (FlowTool.IperfClient, SourceChoice.Bind)],
            experiment.Flows.Select(f => (f.Sender.Tool, f.Sender.Source)));
        Assert.All(experiment.Flows, f => Assert.NotEmpty(f.Receivers));
        Assert.DoesNotContain(experiment.Flows.SelectMany(f => f.Receivers), r => r.Place == LabExperiment.SourceHost);
        Assert.Contains(experiment.Flows.SelectMany(f => f.Receivers), r => r.Tool == FlowTool.IperfServer);
        Assert.Contains(experiment.Flows.SelectMany(f => f.Receivers), r => r.Check == LabExperiment.NegativeControl && r.Direction == FlowDirection.ClusterNetwork);
        Assert.Equal(BackendTopology.NoOutsideHost, experiment.NotRun["mcastsrc/from-pod-bind"]);
        Assert.Equal(BackendTopology.NoOutsideHost, experiment.NotRun["k8s-3/pod-6"]);
    }

    [Fact]
    public void The_negative_control_has_its_own_direction_not_same_node()
    {
        var lab = BoxTestContext.Parameters().Lab;

        var control = LabExperiment.Plan(lab, LocalLab.Topology(lab)).Checks.Single(c => c.Name == LabExperiment.NegativeControl);

        Assert.Equal(FlowDirection.ClusterNetwork, control.Direction);
    }

    [Fact]
    public void Every_planned_check_is_in_the_report_with_a_status_and_a_backend_that_cannot_run_one_says_why()
    {
        var run = new ReplayedRun(ThreeByTwo)
        {
            Topology = new BackendTopology(["k8s", "k8s-2", "k8s-3"], 2, false,
                new Dictionary<LabAbility, string> { [LabAbility.NodeReceiver] = "no receiver on a node here", [LabAbility.CleanupObservation] = "not watched" }),
        };

        var report = run.Report(run.Observations() with { Leftovers = null });

        Assert.Equal(run.Experiment.Checks.Select(c => c.Name), report.Checks.Select(c => c.Name));
        Assert.True(report.Passed, string.Join("\n", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        var notRun = report.Checks.Where(c => c.Status == CheckStatus.NotRun).ToDictionary(c => c.Name, c => c.NotRunReason);
        Assert.Equal("no receiver on a node here", notRun["k8s/from-own-pod"]);
        Assert.Equal("not watched", notRun[LabExperiment.CleanupCheck]);
        Assert.Equal(BackendTopology.NoOutsideHost, notRun["mcastsrc/from-pod-by-route"]);
        Assert.Contains(report.Checks, c => c.Name == "k8s-3/pod-6/iperf" && c.Status == CheckStatus.Passed);
    }

    [Fact]
    public void A_receiver_the_backend_did_not_report_fails_and_a_failed_setup_turns_the_rest_into_not_run()
    {
        var run = new ReplayedRun();
        var observed = run.Observations();

        var missing = run.Report(observed with { Flows = [.. observed.Flows.Where(f => f.Flow != "pod-bind")] });
        var setup = run.Report(observed with { Flows = [], Pods = [], SetupFailure = "The image x is not in the Docker engine; build it with './build.sh Images'." });

        var iperf = missing.Checks.Single(c => c.Name == "k8s/pod-1/iperf");
        Assert.Equal(CheckStatus.Failed, iperf.Status);
        Assert.Contains("returned no output", iperf.Detail, StringComparison.Ordinal);
        Assert.Equal(LabExperiment.SetupCheck, setup.Checks[0].Name);
        Assert.Equal(["lab-setup"], setup.Failed.Select(c => c.Name));
        Assert.All(setup.Checks.Where(c => c.Name is not (LabExperiment.SetupCheck or LabExperiment.CleanupCheck)),
            c => Assert.Equal("the lab's setup failed before it (see lab-setup)", c.NotRunReason));
        Assert.Equal(CheckStatus.Passed, setup.Checks.Single(c => c.Name == LabExperiment.CleanupCheck).Status);
    }

    /// <summary>An outside host that is never used: DiscoverAsync only asks whether there is one.</summary>
    private sealed class NoHosts : IClusterHosts
    {
        public Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken) => throw new InvalidOperationException("not in this test");

        public Task<ContainerOutcome> SendAsync(string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) => throw new InvalidOperationException("not in this test");

        public Task<ContainerOutcome> ReceiveAsync(string name, string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) => throw new InvalidOperationException("not in this test");

        public Task StopReceiverAsync(string name, CancellationToken cancellationToken) => throw new InvalidOperationException("not in this test");
    }
}
