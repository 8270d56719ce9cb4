using System.Globalization;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// Makes the lab's bridge a switch that snoops IGMP (--segment=snooping|snooping-no-querier): mcast_snooping
/// on, its ports not flooding unregistered groups (mcast_flood off, as many real switches), with or without
/// the bridge's own querier, and timers short enough that a 30 s soak outlasts a membership (centiseconds,
/// as the kernel takes them). The --fault=membership-expired switch forgets members before it queries.
/// </summary>
public sealed class SwitchSegment(ProcessRunner runner, LabTopology topology, LabSettings settings)
{
    /// <summary>A member is forgotten 10 s after its last report; queries every 4 s with 1 s to answer (robustness 2: 2 × 4 + 1 = 9 s).</summary>
    public static readonly SwitchTimers Snooping = new(MembershipIntervalCs: 1000, QueryIntervalCs: 400, QueryResponseIntervalCs: 100, StartupQueryIntervalCs: 100);

    /// <summary>Misconfigured: a member is forgotten 2 s after its last report, but queries come only every 60 s.</summary>
    public static readonly SwitchTimers Forgetful = new(MembershipIntervalCs: 200, QueryIntervalCs: 6000, QueryResponseIntervalCs: 100, StartupQueryIntervalCs: 100);

    public bool Querier => settings.Segment == LabSegment.Snooping && settings.Fault != LabFault.NoQuerier;

    public SwitchTimers Timers => settings.Fault == LabFault.MembershipExpired ? Forgetful : Snooping;

    private DateTime forwardsFrom = DateTime.MinValue;

    /// <summary>
    /// Waits until the switch forwards by its group entries: a query response interval after its querier came on
    /// (until then it neither forwards to members nor floods). Flows that began sooner lost their first
    /// datagrams once the lab's programs started in under a second (a background Test loop).
    /// </summary>
    public Task UntilForwardingAsync(CancellationToken cancellationToken)
    {
        var left = forwardsFrom - DateTime.UtcNow;
        return left > TimeSpan.Zero ? Task.Delay(left, cancellationToken) : Task.CompletedTask;
    }

    public async Task ConfigureAsync(CancellationToken cancellationToken)
    {
        if (settings.Segment == LabSegment.Flood) return;
        string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        var t = Timers;
        await RunAsync("ip", ["-n", topology.SwitchNamespace, "link", "set", topology.Bridge, "type", "bridge", "mcast_snooping", "1",
            "mcast_query_interval", N(t.QueryIntervalCs), "mcast_query_response_interval", N(t.QueryResponseIntervalCs),
            "mcast_membership_interval", N(t.MembershipIntervalCs), "mcast_startup_query_interval", N(t.StartupQueryIntervalCs)], cancellationToken);
        // The querier after the timers, in a command of its own: turned on, the bridge forwards by its group entries
        // only after a query response interval, the one it has then (measured here: set in the same command, the
        // default 10 s applied, and the switch forwarded nothing for the first 10 s; after, 1 s).
        await RunAsync("ip", ["-n", topology.SwitchNamespace, "link", "set", topology.Bridge, "type", "bridge", "mcast_querier", Querier ? "1" : "0"], cancellationToken);
        if (Querier) forwardsFrom = DateTime.UtcNow + TimeSpan.FromMilliseconds(t.QueryResponseIntervalCs * 10);
        foreach (var port in topology.Ports.Values)
        {
            await RunAsync("bridge", ["-n", topology.SwitchNamespace, "link", "set", "dev", port, "mcast_flood", "off"], cancellationToken);
        }
    }

    /// <summary>
    /// After the flows, with nothing else on the segment: times the switch's leave latency (<see cref="LeaveToLast"/>)
    /// with one receiver on mcastsrc, the only member on its port, and the sender pod's `mcast send` to it.
    /// </summary>
    public static async Task<FlowObservation> TimeLeaveAsync(FlowRunner flows, LabSettings s, Func<string, LabSandbox> owner, Func<string, string?> addressOf,
        string mcastImage, TimeSpan receiverGrace, CancellationToken cancellationToken)
    {
        var flow = LeaveToLast.Flow(s, s.NodeNames[0]);
        var sender = flow.Sender.Place;
        var run = new RunningFlow(flow, owner(sender), mcastImage, LeaveToLast.SenderArguments(flow, s, addressOf(sender) ?? ""),
            [.. flow.Receivers.Select(r => new RunningReceiver(r, owner(r.Place), mcastImage, LeaveToLast.ReceiverArguments(flow, s), s.Interface))]);
        var outcome = (await flows.RunAsync([run], TimeSpan.FromSeconds(LeaveToLast.SenderSeconds + 30), receiverGrace, cancellationToken))[0];
        return new FlowObservation(flow.Name, outcome.Sender, addressOf(sender),
            [.. flow.Receivers.Select((r, i) => new ReceiverObservation(r.Check, outcome.Receivers[i], outcome.Joined[i], addressOf(r.Place)))]);
    }

    private Task<ProcessResult> RunAsync(string program, string[] arguments, CancellationToken cancellationToken) =>
        runner.RunAsync(program, arguments, new ProcessOptions { Quiet = true, Timeout = TimeSpan.FromSeconds(30) }, cancellationToken);
}

/// <summary>A snooping bridge's timers, in centiseconds.</summary>
public sealed record SwitchTimers(long MembershipIntervalCs, long QueryIntervalCs, long QueryResponseIntervalCs, long StartupQueryIntervalCs);
