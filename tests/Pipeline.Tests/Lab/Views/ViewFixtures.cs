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
        var observed = run.WithReceiver("k8s/pod-1", new ContainerOutcome(1, ReplayedRun.Captured("mcast-recv-one-missing.jsonl"), ""));
        observed = observed with
        {
            Flows = [.. observed.Flows.Select(f => f.Flow != "pod-interface" ? f : f with
            {
                Sender = new ContainerOutcome(0, ReplayedRun.Captured("mcast-send-duplicated.txt"), ""),
                Receivers = [.. f.Receivers.Select(r => r.Check != "k8s-2/pod-2/from-pod-interface" ? r
                    : r with { Output = new ContainerOutcome(1, ReplayedRun.Captured("mcast-recv-duplicated.jsonl"), "") })],
            })],
            Leftovers = null,
        };
        return run.Report(observed);
    }
}
