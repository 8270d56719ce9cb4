using McastLab.Pipeline.Lab;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>
/// Each check of the lab shown failing, on a run of today's experiment whose outputs are the real tools' captures
/// (Captured/README.md) with one observation replaced by what the fault produces. The clean run passes every check
/// (the first test), so each failure below is that fault's alone.
/// </summary>
public sealed class CheckFailureTests
{
    private readonly ReplayedRun run = new(("nodes", "2"));

    private static LabCheck Check(LabReport report, string name) => report.Checks.Single(c => c.Name == name);

    private static ContainerOutcome Captured(string stdout, string? stderr = null, int exit = 0) =>
        new(exit, ReplayedRun.Captured(stdout), stderr is null ? "" : ReplayedRun.Captured(stderr));

    [Fact]
    public void The_replayed_clean_run_passes_every_check()
    {
        var report = run.Report();

        Assert.True(report.Passed, string.Join("\n", report.Failed.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.All(report.Checks, c => Assert.Equal(CheckStatus.Passed, c.Status));
    }

    [Fact]
    public void Cni_attachments_fails_for_a_pod_without_its_attachment_and_names_it()
    {
        var observed = run.Observations();
        observed = observed with
        {
            Pods = [.. observed.Pods.Select(p => p.Pod.Key != "k8s-2/pod-2" ? p : p with { NetworkStatus = [.. p.NetworkStatus.Where(e => e.Interface != "eth1")] })],
        };

        var check = Check(run.Report(observed), LabExperiment.AttachmentsCheck);

        Assert.Equal(CheckStatus.Failed, check.Status);
        Assert.Equal("k8s-2/pod-2 has no eth1 (it has cbr0:eth0).", check.Detail);
    }

    [Fact]
    public void Cni_attachments_fails_for_an_address_outside_the_range_a_failed_cni_check_and_an_attached_control()
    {
        var observed = run.Observations();
        observed = observed with
        {
            Pods = [.. observed.Pods.Select(p => p.Pod.Name switch
            {
                "pod-1" => p with { AttachmentRange = (System.Net.IPAddress.Parse("10.0.0.100"), System.Net.IPAddress.Parse("10.0.0.120")) },
                "sender" => p with { Problems = ["CNI CHECK of eth1 failed: macvlan: interface eth1 not found"] },
                "control" => p with { NetworkStatus = [.. p.NetworkStatus, observed.Pods[0].NetworkStatus[1]] },
                _ => p,
            })],
        };

        var check = Check(run.Report(observed), LabExperiment.AttachmentsCheck);

        Assert.False(check.Passed);
        Assert.Contains("k8s/pod-1 got 10.0.0.13 on eth1, outside 10.0.0.100-10.0.0.120", check.Detail, StringComparison.Ordinal);
        Assert.Contains("k8s/sender: CNI CHECK of eth1 failed: macvlan: interface eth1 not found", check.Detail, StringComparison.Ordinal);
        Assert.Contains("k8s/control is to have only the cluster network but has eth1", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Segment_addresses_fails_when_a_pod_holds_a_hosts_address()
    {
        var observed = run.Observations();
        observed = observed with { HostSegmentAddresses = [.. observed.HostSegmentAddresses, new SegmentAddress("k8s-2", "10.0.0.13")] };

        var check = Check(run.Report(observed), LabExperiment.AddressesCheck);

        Assert.False(check.Passed);
        Assert.StartsWith("10.0.0.13 is held by k8s/pod-1, k8s-2", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Cleanup_fails_naming_what_was_left()
    {
        var observed = run.Observations() with { Leftovers = ["containers left: mcl0a1b2c-k8s-pod-1", "namespaces left: mcl0a1b2c-k8s"] };

        var check = Check(run.Report(observed), LabExperiment.CleanupCheck);

        Assert.Equal(CheckStatus.Failed, check.Status);
        Assert.Equal("containers left: mcl0a1b2c-k8s-pod-1; namespaces left: mcl0a1b2c-k8s.", check.Detail);
    }

    [Fact]
    public void The_iperf_server_receiver_fails_when_it_heard_nothing()
    {
        var report = run.Report(run.WithReceiver("k8s-2/pod-2/iperf", Captured("iperf-server-heard-nothing.txt")));

        var check = Check(report, "k8s-2/pod-2/iperf");
        Assert.False(check.Passed);
        Assert.StartsWith("iperf printed no final report", check.Detail, StringComparison.Ordinal);
        Assert.Equal(["k8s-2/pod-2/iperf"], report.Failed.Select(c => c.Name));
    }

    [Fact]
    public void A_sender_that_printed_no_count_fails_every_receiver_of_its_flow()
    {
        var killed = new ContainerOutcome(int.Parse(ReplayedRun.Captured("iperf-client-killed.exit").Trim(), System.Globalization.CultureInfo.InvariantCulture),
            ReplayedRun.Captured("iperf-client-killed.txt"), "");

        var report = run.Report(run.WithSender("pod-iperf-bind", killed));

        Assert.Equal(["mcastsrc/from-pod-iperf-bind", "k8s-2/pod-2/from-pod-iperf-bind"], report.Failed.Select(c => c.Name));
        Assert.All(report.Failed, c => Assert.StartsWith("the sender exited with code 137 before it finished", c.Detail, StringComparison.Ordinal));
        Assert.All(report.Failed, c => Assert.Null(c.Sent));
    }

    [Fact]
    public void A_sender_that_ended_well_but_printed_no_count_is_said_so()
    {
        var report = run.Report(run.WithSender("pod-interface", new ContainerOutcome(0, "", "")));

        Assert.All(report.Failed, c => Assert.StartsWith("the sender printed no count of what it sent", c.Detail, StringComparison.Ordinal));
        Assert.Equal(2, report.Failed.Count());
    }

    [Fact]
    public void A_receiver_that_never_joined_fails_and_says_so_with_the_tools_own_message()
    {
        var output = Captured("mcast-recv-unknown-interface.jsonl", "mcast-recv-unknown-interface.stderr",
            int.Parse(ReplayedRun.Captured("mcast-recv-unknown-interface.exit").Trim(), System.Globalization.CultureInfo.InvariantCulture));

        var check = Check(run.Report(run.WithReceiver("k8s/pod-1", output, joined: false)), "k8s/pod-1");

        Assert.False(check.Passed);
        Assert.Contains("the receiver never joined the group on eth1", check.Detail, StringComparison.Ordinal);
        Assert.Contains("mcast recv printed no final report (exit 2: mcast: unknown interface 'eth9'", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_control_that_never_joined_proves_nothing_and_fails()
    {
        var check = Check(run.Report(run.WithReceiver(LabExperiment.NegativeControl, Captured("mcast-recv-control-eth0.jsonl"), joined: false)), LabExperiment.NegativeControl);

        Assert.False(check.Passed);
        Assert.Contains("proves nothing", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_receiver_one_datagram_short_fails_with_the_count_missing()
    {
        var report = run.Report(run.WithFlow("outside-to-pods", "iperf-client-one-missing.txt", "k8s/pod-1", "mcast-recv-one-missing.jsonl", "mcast-recv-one-missing-beside.jsonl"));

        var check = Check(report, "k8s/pod-1");
        Assert.Equal(["k8s/pod-1"], report.Failed.Select(c => c.Name));
        Assert.Equal((check.Sent - 1, 1L), (check.Received, check.Lost));
        Assert.StartsWith($"received {check.Received} of the {check.Sent} datagrams sent (1 missing); 1 lost", check.Detail, StringComparison.Ordinal);
    }
}
