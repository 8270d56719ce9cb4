using McastLab.Pipeline.Lab;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>
/// The verdict on faults a count of distinct datagrams cannot see, on the real tools' output for each
/// (Captured/capture.sh: every datagram cloned by the sender's kernel, junk on the flow's port, junk only).
/// </summary>
public sealed class VerdictTests
{
    private readonly ReplayedRun run = new();

    private LabCheck Judge(string check, string sender, string receiver, int exit = 0)
    {
        var (flow, target) = run.Experiment.ReceiverOf(check)!.Value;
        return FlowVerdict.Judge(flow, target, new ContainerOutcome(0, ReplayedRun.Captured(sender), ""),
            new ContainerOutcome(exit, ReplayedRun.Captured(receiver), ""), true, 400, "10.0.0.12", "10.0.0.13");
    }

    [Fact]
    public void A_receiver_that_got_every_datagram_twice_fails_on_the_duplicates()
    {
        var check = Judge("k8s/pod-1/from-pod-interface", "mcast-send-duplicated.txt", "mcast-recv-duplicated.jsonl");

        Assert.False(check.Passed);
        Assert.True(check.Sent > 400);
        Assert.Equal((check.Sent, check.Sent), (check.Received, check.Duplicates));
        Assert.Equal($"{check.Duplicates} duplicate(s).", check.Detail);
    }

    [Fact]
    public void A_receiver_that_got_every_datagram_and_junk_beside_fails_on_the_invalid_datagrams()
    {
        var check = Judge("k8s/pod-1/from-pod-interface", "mcast-send-with-junk.txt", "mcast-recv-with-junk.jsonl");

        Assert.False(check.Passed);
        Assert.Equal(check.Sent, check.Received);
        Assert.True(check.Invalid > 0);
        Assert.Equal($"{check.Invalid} invalid datagram(s).", check.Detail);
    }

    [Fact]
    public void The_negative_control_fails_when_it_hears_only_invalid_datagrams()
    {
        var check = Judge(LabExperiment.NegativeControl, "mcast-send.txt", "mcast-recv-only-invalid.jsonl", exit: 130);

        Assert.False(check.Passed);
        Assert.Equal(0, check.Received);
        Assert.True(check.Invalid > 0);
        Assert.Equal($"it heard {check.Invalid} invalid datagram(s) on eth0, where nothing may arrive.", check.Detail);
    }

    [Fact]
    public void The_negative_control_that_heard_nothing_passes()
    {
        var check = Judge(LabExperiment.NegativeControl, "mcast-send.txt", "mcast-recv-control-eth0.jsonl", exit: 130);

        Assert.True(check.Passed, check.Detail);
        Assert.Equal((0L, 0L), (check.Received, check.Invalid));
    }

    [Fact]
    public void Kernel_drops_are_reported_with_every_mcast_receiver()
    {
        var check = Judge("k8s/pod-1", "iperf-client.txt", "mcast-recv.jsonl");

        Assert.True(check.Passed, check.Detail);
        Assert.Equal(0, check.KernelDrops);
        var dropped = ReceiverReport.FromMcastJson(ReplayedRun.Captured("mcast-recv.jsonl").Replace("\"kernelDrops\":0", "\"kernelDrops\":7", StringComparison.Ordinal))!;
        Assert.Equal(7, dropped.KernelDrops);
    }
}
