using System.Diagnostics;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>The lab tests run alone: their leak check compares the whole host before and after.</summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class LocalLabGroup : ICollectionFixture<LabHost>;

/// <summary>The local backend for real: namespaces, CNI plugins, dockerd, the built images (root; CI runs them).</summary>
[Collection(typeof(LocalLabGroup))]
public sealed class LocalLabTests(LabHost host)
{
    private readonly ConsoleBuildLog log = new();

    private LocalLab NewLab(LocalLabOptions? options = null) => new(new ProcessRunner(log, new SecretMasker()), log, options);

    private void RequireHost() => Assert.SkipWhen(host.Missing is not null, $"The local lab needs {host.Missing}.");

    [Fact]
    public async Task Lab_passes_every_check_and_leaves_nothing_behind()
    {
        RequireHost();
        var before = await HostInventory.TakeAsync();

        var report = await NewLab().RunAsync(host.Request(), TestContext.Current.CancellationToken);

        report.Print(log);
        Assert.True(report.Passed, string.Join(" ", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal(["outside-kubernetes", "cni-attachments", "k8s/pod-1", "negative-control", "k8s/iperf-pod", "cleanup"], report.Checks.Select(c => c.Name));
        var pod = report.Checks.Single(c => c.Name == "k8s/pod-1");
        Assert.Equal(pod.Sent, pod.Received);
        Assert.Equal(0, pod.Lost);
        Assert.Equal(host.Parameters.Lab.Ttl, pod.TtlSeen);
        Assert.Equal(0, report.Checks.Single(c => c.Name == "negative-control").Received);
        (await HostInventory.TakeAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task Two_nodes_with_two_pods_each_receive_across_the_bridge()
    {
        RequireHost();
        var before = await HostInventory.TakeAsync();

        var report = await NewLab().RunAsync(host.Request(s => s with { DurationSeconds = 2, Nodes = 2, Pods = 2 }), TestContext.Current.CancellationToken);

        Assert.True(report.Passed, string.Join(" ", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal(["k8s-2/pod-1", "k8s-2/pod-2", "k8s/pod-1", "k8s/pod-2"], report.Checks.Select(c => c.Name).Where(n => n.Contains("/pod-", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(4, report.Checks.Where(c => c.Name.Contains("/pod-", StringComparison.Ordinal)).Select(c => c.PodAddress).Distinct().Count());
        Assert.Contains(report.Checks, c => c.Name == "k8s-2/iperf-pod" && c.Passed);
        (await HostInventory.TakeAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task A_sender_killed_mid_run_is_reported_as_missing_datagrams_and_nothing_is_left()
    {
        RequireHost();
        var before = await HostInventory.TakeAsync();
        var lab = NewLab();
        var cancellation = TestContext.Current.CancellationToken;

        var run = lab.RunAsync(host.Request(s => s with { DurationSeconds = 6 }), cancellation);
        // The send to the pods: kill iperf in mcastsrc two seconds in, as a crashed source would stop.
        using (var docker = await DockerConnection.ConnectAsync(cancellationToken: cancellation))
        {
            var sender = lab.Run.Name("mcastsrc-iperf-2");
            var watch = Stopwatch.StartNew();
            while (!await IsRunningAsync(docker, sender) && watch.Elapsed < TimeSpan.FromSeconds(90) && !run.IsCompleted) await Task.Delay(100, cancellation);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
            await docker.Containers.KillContainerAsync(sender, new ContainerKillParameters { Signal = "SIGKILL" }, cancellation);
        }
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
        (await HostInventory.TakeAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task Ctrl_C_mid_run_stops_the_lab_and_removes_everything()
    {
        RequireHost();
        var before = await HostInventory.TakeAsync();
        var lab = NewLab();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = lab.RunAsync(host.Request(s => s with { DurationSeconds = 10 }), cancel.Token);
        using (var docker = await DockerConnection.ConnectAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            var watch = Stopwatch.StartNew();
            while (!await IsRunningAsync(docker, lab.Run.Name("mcastsrc-iperf-1")) && watch.Elapsed < TimeSpan.FromSeconds(90) && !run.IsCompleted)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        (await HostInventory.TakeAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task A_missing_CNI_plugin_stops_with_one_sentence_before_anything_is_created()
    {
        RequireHost();
        var before = await HostInventory.TakeAsync();
        var plugins = Directory.CreateTempSubdirectory("mcastlab-lab-cni-");
        try
        {
            // host-local is there, macvlan is not.
            File.CreateSymbolicLink(Path.Combine(plugins.FullName, "host-local"), "/usr/lib/cni/host-local");

            var e = await Assert.ThrowsAsync<PipelineException>(() =>
                NewLab(new LocalLabOptions { CniPluginDirectory = plugins.FullName }).RunAsync(host.Request(), TestContext.Current.CancellationToken));

            Assert.Equal($"The CNI plugin 'macvlan' that the NetworkAttachmentDefinition needs is not in {plugins.FullName}; install it with 'apt-get install -y containernetworking-plugins' or run ./build.sh Prerequisites.", e.Message);
        }
        finally
        {
            plugins.Delete(recursive: true);
        }
        (await HostInventory.TakeAsync()).AssertSameAs(before);
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
        var before = await HostInventory.TakeAsync();
        var cancellation = TestContext.Current.CancellationToken;
        var runner = new ProcessRunner(log, new SecretMasker());
        var namespaces = new NetworkNamespaces(runner);
        var stale = LabRunId.New();
        using var docker = await DockerConnection.ConnectAsync(cancellationToken: cancellation);
        // What a run killed with SIGKILL leaves: its namespaces (with a link), a container, its state directory (lock not held).
        await namespaces.AddAsync(stale.Name("k8s"), cancellation);
        await namespaces.AddAsync(stale.Name("mcastsrc"), cancellation);
        await namespaces.AddVethAsync(stale.Name("k8s"), "eth1", stale.Name("mcastsrc"), "eth1", cancellation);
        var container = await new LabContainers(docker, stale).StartSandboxAsync("k8s", "host", host.IperfImage, cancellation);
        LabRunLock.Acquire(stale).Dispose();
        Assert.False(LabRunLock.IsLive(stale));

        var report = await NewLab().RunAsync(host.Request(), cancellation);

        Assert.True(report.Passed, string.Join(" ", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.DoesNotContain(NetworkNamespaces.List(), n => LabRunId.FromName(n) == stale);
        Assert.Empty(await LabContainers.ListAsync(docker, stale, cancellation));
        Assert.False(Directory.Exists(LabRunLock.StateDirectory(stale)));
        (await HostInventory.TakeAsync()).AssertSameAs(before);
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

    private static async Task<bool> IsRunningAsync(global::Docker.DotNet.DockerClient docker, string name)
    {
        try
        {
            return (await docker.Containers.InspectContainerAsync(name)).State?.Running == true;
        }
        catch (global::Docker.DotNet.DockerContainerNotFoundException)
        {
            return false;
        }
    }
}
