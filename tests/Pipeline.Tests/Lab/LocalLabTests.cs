using System.Diagnostics;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>The lab tests share the images fixture; their leak checks look only at their own run id.</summary>
[CollectionDefinition]
public sealed class LocalLabGroup : ICollectionFixture<LabHost>;

/// <summary>The local backend for real: namespaces, CNI plugins, dockerd, the built images (root; CI runs them).</summary>
[Collection(typeof(LocalLabGroup))]
public sealed class LocalLabTests(LabHost host)
{
    private readonly ConsoleBuildLog log = new();

    private LocalLab NewLab(LocalLabOptions? options = null) => new(new ProcessRunner(log, new SecretMasker()), log, options);

    private void RequireHost() => Assert.SkipWhen(host.Missing is not null, $"The local lab needs {host.Missing}.");

    [Fact]
    public async Task Lab_passes_every_direction_with_pods_as_Kubernetes_makes_them_and_leaves_nothing_behind()
    {
        RequireHost();
        var lab = NewLab();

        var report = await lab.RunAsync(host.Request(), TestContext.Current.CancellationToken);

        report.Print(log);
        Assert.True(report.Passed, string.Join(" ", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal(
            [FlowDirection.ClusterNetwork, FlowDirection.NodeFromOwnPod, FlowDirection.OutsideToPod, FlowDirection.PodToOutside, FlowDirection.PodToPodSameNode],
            report.Checks.Select(c => c.Direction).OfType<string>().Distinct().Order(StringComparer.Ordinal));
        var pod = report.Checks.Single(c => c.Name == "k8s/pod-1");
        Assert.Equal(pod.Sent, pod.Received);
        Assert.Equal(0, pod.Lost);
        Assert.Equal(host.Parameters.Lab.Ttl, pod.TtlSeen);
        Assert.NotEmpty(pod.Intervals!);
        // Every way a pod picks its interface gets everything out.
        Assert.Equal(4, report.Checks.Count(c => c.Direction == FlowDirection.PodToOutside && c.Passed && c.Received == c.Sent && c.Sent > 0));
        Assert.True(report.Checks.Single(c => c.Name == "k8s/sender/no-interface").Received > 0);
        var control = report.Checks.Single(c => c.Name == LabExperiment.NegativeControl);
        Assert.Equal(("eth0", 0L), (control.Interface, control.Received));
        Assert.Equal(0, report.Checks.Single(c => c.Direction == FlowDirection.NodeFromOwnPod).Received);
        // The pods' network status as Multus writes it: eth0 from the cluster network with the default route, then eth1.
        var status = report.Pods.Single(p => p.Name == "pod-1").NetworkStatus;
        Assert.Equal([("cbr0", "eth0", true), ("default/eth1-multicast", "eth1", false)], status.Select(e => (e.Name, e.Interface, e.Default)));
        Assert.All(status, e => Assert.Matches("^([0-9a-f]{2}:){5}[0-9a-f]{2}$", e.Mac));
        Assert.Equal(["eth0"], report.Pods.Single(p => p.Name == LabExperiment.ControlPod).NetworkStatus.Select(e => e.Interface));
        Assert.True(report.Checks.Single(c => c.Name == "segment-addresses").Passed);
        Assert.Contains(report.Hosts, h => h.Name == "mcastsrc" && h.Addresses.Contains("10.0.0.12"));
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
    }

    [Fact]
    public async Task The_negative_control_fails_when_its_cluster_network_is_the_segment()
    {
        RequireHost();
        var lab = NewLab(new LocalLabOptions { ControlPodOnSegment = true });

        var report = await lab.RunAsync(host.Request(), TestContext.Current.CancellationToken);

        var control = report.Checks.Single(c => c.Name == LabExperiment.NegativeControl);
        Assert.False(control.Passed);
        Assert.True(control.Received > 0, control.Detail);
        Assert.Equal([LabExperiment.NegativeControl], report.Failed.Select(c => c.Name));
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
    }

    [Fact]
    public async Task Two_nodes_with_a_range_per_node_receive_across_the_bridge_with_unique_addresses()
    {
        RequireHost();
        var captured = new CapturingLog();
        var lab = new LocalLab(new ProcessRunner(captured, new SecretMasker()), captured);

        var report = await lab.RunAsync(host.Request(s => s with { DurationSeconds = 2, Nodes = 2, Pods = 2 }), TestContext.Current.CancellationToken);

        report.Print(captured);
        foreach (var line in captured.Lines) log.Information(line);
        Assert.True(report.Passed, string.Join(" ", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        // Counts, not lists: every line of the run (diagnostic ones too) fits a terminal, whatever the lab's size.
        Assert.All(captured.Lines, line => Assert.True(line.Length <= 160, $"{line.Length} characters: {line}"));
        Assert.Equal(["k8s-2/pod-3", "k8s-2/pod-4", "k8s/pod-1", "k8s/pod-2"],
            report.Checks.Where(c => c.Flow == "outside-to-pods" && c.Receiver == c.Name).Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Contains(report.Checks, c => c.Direction == FlowDirection.PodToPodCrossNode && c.Name == "k8s-2/pod-3/from-k8s/sender" && c.Passed);
        var eth1 = report.Pods.SelectMany(p => p.NetworkStatus).Where(e => e.Interface == "eth1").SelectMany(e => e.Ips).ToList();
        Assert.Equal(5, eth1.Distinct().Count());
        Assert.Equal(eth1.Count, eth1.Distinct().Count());
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
    }

    [Fact]
    public async Task One_range_on_two_nodes_hands_out_the_same_addresses_and_the_address_check_fails()
    {
        RequireHost();
        var lab = NewLab();
        var request = host.Request(s => s with { DurationSeconds = 1, Nodes = 2 });
        // The single-node NAD on every node, as a cluster would run it: no per-node files.
        Directory.Delete(Path.Combine(request.ManifestsDirectory, McastLab.Pipeline.Manifests.NodeNetworkFiles.Directory), recursive: true);
        var single = new McastLab.Pipeline.Manifests.LabManifests(request.Settings with { Nodes = 1 }, host.Parameters.Images).Files()
            .Single(f => f.Path.EndsWith(McastLab.Pipeline.Manifests.NetworkAttachmentFile.FileName, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(request.ManifestsDirectory, McastLab.Pipeline.Manifests.NetworkAttachmentFile.FileName), single.Content);

        var report = await lab.RunAsync(request, TestContext.Current.CancellationToken);

        var addresses = report.Checks.Single(c => c.Name == "segment-addresses");
        Assert.False(addresses.Passed);
        Assert.Contains("10.0.0.13 is held by", addresses.Detail, StringComparison.Ordinal);
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
    }

    [Fact]
    public async Task Two_labs_at_once_with_different_groups_both_pass_and_each_leaves_nothing()
    {
        RequireHost();
        var first = NewLab();
        var second = NewLab();

        var runs = await Task.WhenAll(
            first.RunAsync(host.Request(s => s with { DurationSeconds = 2 }), TestContext.Current.CancellationToken),
            second.RunAsync(host.Request(s => s with { DurationSeconds = 2, Group = System.Net.IPAddress.Parse("239.1.1.1"), Port = 6001 }), TestContext.Current.CancellationToken));

        Assert.All(runs, r => Assert.True(r.Passed, string.Join(" ", r.Failed.Select(c => $"{c.Name}: {c.Detail}"))));
        (await HostInventory.TakeAsync(first.Run)).AssertEmpty();
        (await HostInventory.TakeAsync(second.Run)).AssertEmpty();
    }

    [Fact]
    public async Task A_sender_killed_mid_run_is_reported_as_missing_datagrams_and_nothing_is_left()
    {
        RequireHost();
        var lab = NewLab();
        var cancellation = TestContext.Current.CancellationToken;

        var run = lab.RunAsync(host.Request(s => s with { DurationSeconds = 6 }), cancellation);
        // The send to the pods: kill iperf in mcastsrc two seconds in, as a crashed source would stop.
        var sender = await ProgramAsync(lab.Run, "outside-to-pods-send", run);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
        Assert.True(Signals.Send(sender, Signals.Kill));
        var report = await run;

        report.Print(log);
        Assert.False(report.Passed);
        var pod = report.Checks.Single(c => c.Name == "k8s/pod-1");
        Assert.False(pod.Passed);
        Assert.InRange(pod.Received ?? -1, 1, LabTraffic.MinimumDatagrams(host.Parameters.Lab.Rate, 6) - 1);
        Assert.Contains("missing", pod.Detail, StringComparison.Ordinal);
        Assert.Contains("sender exited with code 137", pod.Detail, StringComparison.Ordinal);
        Assert.True(report.Checks.Single(c => c.Name == "cleanup").Passed);
        var e = Assert.Throws<PipelineException>(() => report.EnsurePassed("report.json"));
        Assert.Contains("k8s/pod-1", e.Message, StringComparison.Ordinal);
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
    }

    [Fact]
    public async Task Ctrl_C_mid_run_stops_the_lab_and_removes_everything()
    {
        RequireHost();
        var lab = NewLab();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = lab.RunAsync(host.Request(s => s with { DurationSeconds = 10 }), cancel.Token);
        await ProgramAsync(lab.Run, "outside-to-pods-send", run);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
    }

    [Fact]
    public async Task A_missing_CNI_plugin_stops_with_one_sentence_before_anything_is_created()
    {
        RequireHost();
        var plugins = Directory.CreateTempSubdirectory("mcastlab-lab-cni-");
        try
        {
            // host-local is there, macvlan is not.
            File.CreateSymbolicLink(Path.Combine(plugins.FullName, "host-local"), "/usr/lib/cni/host-local");

            var lab = NewLab(new LocalLabOptions { CniPluginDirectory = plugins.FullName });
            var e = await Assert.ThrowsAsync<PipelineException>(() => lab.RunAsync(host.Request(), TestContext.Current.CancellationToken));

            Assert.Equal($"The CNI plugin 'macvlan' that the NetworkAttachmentDefinition needs is not in {plugins.FullName}; install it with 'apt-get install -y containernetworking-plugins' or run ./build.sh Prerequisites.", e.Message);
            (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
        }
        finally
        {
            plugins.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_IPv6_group_is_refused_in_one_sentence()
    {
        RequireHost();
        var e = await Assert.ThrowsAsync<PipelineException>(() =>
            NewLab().RunAsync(host.Request(s => s with { Group = System.Net.IPAddress.Parse("ff05::67") }), TestContext.Current.CancellationToken));
        Assert.Contains("IPv4 multicast address", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dead_runs_namespaces_and_containers_are_removed_and_the_run_passes()
    {
        RequireHost();
        var cancellation = TestContext.Current.CancellationToken;
        var runner = new ProcessRunner(log, new SecretMasker());
        var namespaces = new NetworkNamespaces(runner);
        var stale = LabRunId.New();
        // Held while the dead run is made: a lab of another test class, running meanwhile, sweeps dead runs too.
        var making = LabRunLock.Acquire(stale);
        using var docker = await DockerConnection.ConnectAsync(cancellationToken: cancellation);
        // What a run killed with SIGKILL leaves: its namespaces (with a link), a sandbox, a container (an image's
        // export cut short), its state directory (lock not held).
        await namespaces.AddAsync(stale.Name("k8s"), cancellation);
        await namespaces.AddAsync(stale.Name("mcastsrc"), cancellation);
        await namespaces.AddVethAsync(stale.Name("k8s"), "eth1", stale.Name("mcastsrc"), "eth1", cancellation);
        var sandbox = await new LabSandboxes(stale).StartAsync("k8s-pod", cancellation);
        await StaleContainerAsync(docker, stale, "export-1", cancellation);
        // And a program still running in the sandbox (iperf's server never ends by itself).
        var program = await new LabPrograms(new ImageFilesystems(docker, stale), stale).StartAsync(sandbox, "outside-to-pods-r1", host.IperfImage, ["-s", "-u", "-p", "5999"], cancellation);
        making.Dispose();
        Assert.False(LabRunLock.IsLive(stale));

        var lab = NewLab();
        var report = await lab.RunAsync(host.Request(), cancellation);

        Assert.True(report.Passed, string.Join(" ", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.DoesNotContain(NetworkNamespaces.List(), n => LabRunId.FromName(n) == stale);
        Assert.Empty(await LabContainers.ListAsync(docker, stale, cancellation));
        Assert.Empty(LabPrograms.Running(stale));
        Assert.True(program.HasExited);
        Assert.False(Directory.Exists(LabRunLock.StateDirectory(stale)));
        (await HostInventory.TakeAsync(lab.Run)).AssertEmpty();
    }

    /// <summary>A container with a run's label, created and never started, as an export the run's death cut short leaves.</summary>
    private async Task StaleContainerAsync(global::Docker.DotNet.DockerClient docker, LabRunId run, string part, CancellationToken cancellation) =>
        await docker.Containers.CreateContainerAsync(new global::Docker.DotNet.Models.CreateContainerParameters
        {
            Name = run.Name(part),
            Image = host.IperfImage,
            Labels = new Dictionary<string, string> { [ContainerLabels.Run] = run.Value, [ContainerLabels.Role] = "export" },
        }, cancellation);

    [Fact]
    public async Task Two_sweeps_at_once_remove_a_dead_run_once_and_both_finish()
    {
        RequireHost();
        var cancellation = TestContext.Current.CancellationToken;
        var namespaces = new NetworkNamespaces(new ProcessRunner(log, new SecretMasker()));
        var stale = LabRunId.New();
        // Held while the dead run is made: a lab of another test class, running meanwhile, sweeps dead runs too.
        var making = LabRunLock.Acquire(stale);
        using var docker = await DockerConnection.ConnectAsync(cancellationToken: cancellation);
        await namespaces.AddAsync(stale.Name("k8s"), cancellation);
        // Several containers, so that two unclaimed sweeps would meet on one (Docker: 409 removal already in progress), and sandboxes.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => StaleContainerAsync(docker, stale, $"export-{i}", cancellation)));
        var sandboxes = new LabSandboxes(stale);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => sandboxes.StartAsync($"pod-{i}", cancellation)));
        making.Dispose();

        // Two labs started at once both find the dead run; one claims it (its lock) at a time, and neither fails.
        var sweeps = await Task.WhenAll(
            new LabLeftovers(docker, namespaces, log).RemoveStaleAsync(null, cancellation),
            new LabLeftovers(docker, namespaces, log).RemoveStaleAsync(null, cancellation));

        Assert.Contains(sweeps, removed => removed.Contains(stale));
        Assert.DoesNotContain(NetworkNamespaces.List(), n => LabRunId.FromName(n) == stale);
        Assert.Empty(await LabContainers.ListAsync(docker, stale, cancellation));
        Assert.Empty(LabPrograms.Running(stale));
        Assert.False(Directory.Exists(LabRunLock.StateDirectory(stale)));
    }

    [Fact]
    public async Task A_live_runs_namespaces_are_left_alone()
    {
        RequireHost();
        var cancellation = TestContext.Current.CancellationToken;
        var runner = new ProcessRunner(log, new SecretMasker());
        var namespaces = new NetworkNamespaces(runner);
        var live = LabRunId.New();
        using var docker = await DockerConnection.ConnectAsync(cancellationToken: cancellation);
        using (LabRunLock.Acquire(live))
        {
            await namespaces.AddAsync(live.Name("k8s"), cancellation);
            try
            {
                var removed = await new LabLeftovers(docker, namespaces, log).RemoveStaleAsync(null, cancellation);

                Assert.DoesNotContain(live, removed);
                Assert.Contains(live.Name("k8s"), NetworkNamespaces.List());
            }
            finally
            {
                await namespaces.DeleteAsync(live.Name("k8s"), CancellationToken.None);
                Directory.Delete(LabRunLock.StateDirectory(live), recursive: true);
            }
        }
    }

    /// <summary>The pid of the run's program once it runs (found by its marker, as a leak check finds it).</summary>
    private static async Task<int> ProgramAsync(LabRunId run, string part, Task lab)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(90) && !lab.IsCompleted)
        {
            if (LabPrograms.Running(run).FirstOrDefault(p => p.Name == run.Name(part)) is { Pid: > 0 } found) return found.Pid;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new InvalidOperationException($"{run.Name(part)} did not start.");
    }
}
