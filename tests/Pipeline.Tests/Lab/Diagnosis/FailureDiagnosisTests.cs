using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Diagnosis;
using McastLab.Pipeline.Lab.Local;

namespace McastLab.Pipeline.Tests.Lab.Diagnosis;

/// <summary>
/// The step after the verdict on replayed captures (<see cref="ReplayedRun"/>): a failed receiver gets the cause its
/// evidence shows, in report.json and in the log's failure sentence; passing checks and checks without evidence stay as they were.
/// </summary>
public sealed class FailureDiagnosisTests
{
    private static readonly Dictionary<string, string> PortOfHost = new() { ["k8s"] = "p1", ["mcastsrc"] = "p2" };

    /// <summary>k8s/pod-1 heard nothing (the capture of a receiver the stream never reached) on a switch the host side saw as given.</summary>
    private static (ReplayedRun Run, LabObservations Observed) NothingArrived(SegmentEvidence? segment)
    {
        var run = new ReplayedRun();
        var observed = run.WithReceiver("k8s/pod-1", new ContainerOutcome(143, ReplayedRun.Captured("mcast-recv-control-eth0.jsonl"), ReplayedRun.Captured("mcast-recv-control-eth0.stderr")));
        return (run, observed with { HostSide = new HostSideEvidence(segment, []) });
    }

    [Fact]
    public void A_receiver_that_got_nothing_on_a_snooping_switch_without_querier_is_diagnosed_no_querier()
    {
        var (run, observed) = NothingArrived(new SegmentEvidence(true, false, 1000, 400, ["p1", "p2"], [], PortOfHost));
        var log = new CapturingLog();

        var report = FailureDiagnosis.Explain(run.Report(observed), run.Experiment, observed, run.Settings);

        var failed = Assert.Single(report.Failed);
        Assert.Equal(("k8s/pod-1", "no-querier"), (failed.Name, failed.Diagnosis?.Cause));
        Assert.Contains("mcast_querier 0", failed.Diagnosis!.Evidence, StringComparison.Ordinal);
        Assert.All(report.Checks.Where(c => c.Passed), c => Assert.Null(c.Diagnosis));
        Assert.Equal("no-querier", LabReport.FromJson(report.ToJson()).Checks.Single(c => c.Name == "k8s/pod-1").Diagnosis?.Cause);
        report.Print(log);
        Assert.Contains(log.At("error"), l => l.StartsWith("k8s/pod-1: ", StringComparison.Ordinal) && l.Contains("cause no-querier (no querier on a snooping segment)", StringComparison.Ordinal));
        var failure = Assert.Throws<PipelineException>(() => report.EnsurePassed("report.json"));
        Assert.Contains("(k8s/pod-1: no-querier)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_evidence_for_a_cause_a_failed_check_keeps_no_diagnosis()
    {
        // A switch that floods unregistered groups: a lost stream there is not the querier's doing.
        var (run, observed) = NothingArrived(new SegmentEvidence(true, false, 1000, 400, [], [], PortOfHost));

        var report = FailureDiagnosis.Explain(run.Report(observed), run.Experiment, observed, run.Settings);

        Assert.Null(Assert.Single(report.Failed).Diagnosis);
        Assert.DoesNotContain("\"diagnosis\"", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_receiver_whose_queue_overflowed_is_diagnosed_socket_buffer_too_small()
    {
        var run = new ReplayedRun();
        var observed = run.WithReceiver("k8s/pod-1", new ContainerOutcome(130, ReplayedRun.Captured("mcast-recv-kernel-drops.jsonl"), ""));

        var report = FailureDiagnosis.Explain(run.Report(observed), run.Experiment, observed, run.Settings);

        var diagnosis = Assert.Single(report.Failed).Diagnosis;
        Assert.Equal("socket-buffer-too-small", diagnosis?.Cause);
        Assert.Equal("the kernel dropped 31958 datagrams from the receiver's full socket queue; its buffer is 4194304 bytes (16777216 asked for).", diagnosis!.Evidence);
    }

    [Fact]
    public void Drops_the_receiver_never_heard_of_are_named_from_the_namespace_counter()
    {
        var run = new ReplayedRun();
        // The receiver missed datagrams; its socket reported no drops (none came after them), the namespace counted them.
        var observed = run.WithFlow("outside-to-pods", "iperf-client-one-missing.txt", "k8s/pod-1", "mcast-recv-one-missing.jsonl", "mcast-recv-one-missing-beside.jsonl");
        var errors = HostSideReader.RcvbufErrors(ReplayedRun.Captured("snmp-kernel-drops.txt").Split('\n'));
        var pod = new PlaceEvidence("k8s/pod-1", "k8s", [], "bridge", new Dictionary<string, string>()) { UdpReceiveBufferErrors = errors };
        observed = observed with { HostSide = new HostSideEvidence(null, [pod]) };

        var report = FailureDiagnosis.Explain(run.Report(observed), run.Experiment, observed, run.Settings);

        Assert.Equal(27318, errors);
        var diagnosis = Assert.Single(report.Failed).Diagnosis;
        Assert.Equal("socket-buffer-too-small", diagnosis?.Cause);
        Assert.StartsWith("the kernel counted 27318 UDP receive-buffer errors where the receiver is", diagnosis!.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_passing_report_is_returned_as_it_was()
    {
        var run = new ReplayedRun();
        var report = run.Report();

        Assert.Same(report, FailureDiagnosis.Explain(report, run.Experiment, run.Observations(), run.Settings));
    }
}
