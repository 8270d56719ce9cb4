using McastLab.Pipeline.Lab;

namespace McastLab.Pipeline.Tests.Lab.Views;

/// <summary>
/// The reports the view tests render: made by today's experiment and verdict from the tools' captured outputs
/// (<see cref="ReplayedRun"/>), so a renamed check or a new field reaches the views' tests at once.
/// </summary>
internal static class ViewFixtures
{
    /// <summary>Two nodes, one pod each: every direction passes.</summary>
    public static LabReport Clean() => new ReplayedRun(("nodes", "2")).Report();

    /// <summary>
    /// Two nodes; k8s/pod-1 got the capture with one datagram dropped, k8s-2/pod-2/from-pod-interface every
    /// datagram twice (both fail, with their intervals), and a check not run.
    /// </summary>
    public static LabReport Impaired()
    {
        var run = new ReplayedRun(("nodes", "2"));
        var missing = run.WithFlow("outside-to-pods", "iperf-client-one-missing.txt", "k8s/pod-1", "mcast-recv-one-missing.jsonl", "mcast-recv-one-missing-beside.jsonl");
        var twice = run.WithFlow("pod-interface", "mcast-send-duplicated.txt", "k8s-2/pod-2/from-pod-interface", "mcast-recv-duplicated.jsonl", "mcast-recv-duplicated-beside.jsonl");
        return run.Report(missing with
        {
            Flows = [.. missing.Flows.Select(f => f.Flow == "pod-interface" ? twice.Flows.Single(t => t.Flow == f.Flow) : f)],
            Leftovers = null,
        });
    }
}
