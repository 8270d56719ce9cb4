using McastLab.Pipeline.Lab;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>
/// The check "leave-to-last" of a snooping segment, judged from `mcast recv --leave-after` outputs captured behind
/// a real Linux bridge (Captured/capture-leave.sh): snooping with its querier, flooding, snooping without a querier.
/// </summary>
public sealed class LeaveToLastTests
{
    private static readonly PlannedCheck Planned = new(LeaveToLast.Name, FlowDirection.PodToOutside);

    private static FlowObservation Timing(string capture) => new("leave-timing",
        new ContainerOutcome(0, ReplayedRun.Captured($"{capture}-sender.txt"), ""), "10.0.0.13",
        [new ReceiverObservation(LeaveToLast.Receiver, new ContainerOutcome(0, ReplayedRun.Captured($"{capture}-receiver.txt"), ""), true, "10.0.0.12")]);

    [Theory]
    [InlineData("leave-snooping", CheckStatus.Passed, 2.003, "2.00 s after the leave, while the sender sent until about 8.0 s: the switch pruned its port")]
    [InlineData("leave-flooding", CheckStatus.Failed, 6.58, "6.58 s after the leave, as long as the sender sent (until about 8.4 s): the switch did not prune its port")]
    public void It_passes_when_the_switch_pruned_the_port_while_the_sender_still_sent_and_fails_when_frames_came_to_the_end(
        string capture, CheckStatus status, double seconds, string detail)
    {
        var check = LeaveToLast.Judge(Planned, Timing(capture));

        Assert.Equal((status, seconds), (check.Status, check.LeaveToLastSeconds));
        Assert.Contains(detail, check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_before_the_leave_or_no_timing_at_all_is_not_run_with_the_reason()
    {
        Assert.Contains("got no datagram before its leave", LeaveToLast.Judge(Planned, Timing("leave-snooping-no-querier")).NotRunReason, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.NotRun, LeaveToLast.Judge(Planned, null).Status);
    }

    [Fact]
    public void Only_a_snooping_segment_plans_the_check_so_the_default_labs_checks_stay_as_they_were()
    {
        Assert.DoesNotContain(new ReplayedRun().Experiment.Checks, c => c.Name == LeaveToLast.Name);
        Assert.Contains(new ReplayedRun(("segment", "snooping")).Experiment.Checks, c => c.Name == LeaveToLast.Name);
        Assert.Contains(new ReplayedRun(("segment", "snooping-no-querier")).Experiment.Checks, c => c.Name == LeaveToLast.Name);
    }
}
