using System.Globalization;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// The check "leave-to-last" of a snooping segment: how long the switch kept forwarding the group to a receiver's
/// port after it left. Timed by one receiver that is its port's only member with nothing else on its interface:
/// `mcast recv --leave-after` on mcastsrc, after the experiment's flows ended, while the sender pod's `mcast send`
/// still sends (`mcast recv` watches its interface until frames stop: its "left" event). It passes when the frames
/// stopped while the sender still sent (the switch pruned the port), fails when they came until the sender stopped.
/// </summary>
public static class LeaveToLast
{
    public const string Name = "leave-to-last";

    /// <summary>The timing receiver's check name and place.</summary>
    public const string Receiver = $"{LabSettings.SourceHost}/leave";

    /// <summary>The receiver leaves this long after its join; it ends once no frame came for <see cref="QuietSeconds"/>.</summary>
    public const int LeaveAfterSeconds = 2;

    public const int QuietSeconds = 3;

    /// <summary>How long the sender sends: past the leave, the switch's last-member queries (2 s on a Linux bridge) and a margin.</summary>
    public const int SenderSeconds = 8;

    /// <summary>The timing flow: from the sender pod by --interface to mcastsrc, on a port of its own.</summary>
    public static TrafficFlow Flow(LabSettings lab, string node) => new("leave-timing", lab.Port + 5,
        new FlowSender($"{node}/{LabExperiment.SenderPod}", FlowTool.McastSend, SourceChoice.Interface),
        [new FlowReceiver(Receiver, FlowDirection.PodToOutside, LabSettings.SourceHost, FlowTool.McastRecv, lab.Interface, Expectation.Everything)]);

    public static IReadOnlyList<string> SenderArguments(TrafficFlow flow, LabSettings lab, string address) =>
        LabExperiment.SenderArguments(flow.Sender, flow.Port, lab with { DurationSeconds = SenderSeconds }, address);

    public static IReadOnlyList<string> ReceiverArguments(TrafficFlow flow, LabSettings lab)
    {
        string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
        return ["recv", "--group", lab.Group.ToString(), "--port", Text(flow.Port), "--interface", lab.Interface, "--format", "json", "--interval", "1",
            "--leave-after", Text(LeaveAfterSeconds), "--idle-timeout", Text(QuietSeconds), "--duration", Text(SenderSeconds + 60)];
    }

    /// <summary>Judged from the timing flow's observation (null: the backend did not run it).</summary>
    public static LabCheck Judge(PlannedCheck planned, FlowObservation? observed)
    {
        if (observed is not { Receivers: [var receiver, ..] }) return LabCheck.NotRunBecause(planned, "the backend did not run the leave timing");
        var events = Events(receiver.Output.Stdout);
        var left = events.FirstOrDefault(e => (string?)e["event"] == "left");
        var first = (double?)events.FirstOrDefault(e => (string?)e["event"] == "summary")?["start"];
        if (left is null || first is null)
        {
            return LabCheck.NotRunBecause(planned, $"{Receiver} got no datagram before its leave (the switch forwarded none of the stream), so there was nothing to time");
        }
        var leftAt = (double?)left["leftAt"] ?? 0;
        var lastFrame = (double?)left["lastFrameAt"];
        var seconds = (double?)left["leaveToLastFrameSeconds"] ?? 0;
        // The sender starts once the receiver joined, so it stops about SenderSeconds after the first datagram came.
        var senderEnd = first.Value + SenderSeconds;
        var pruned = (bool?)left["framesStopped"] == true && (lastFrame ?? leftAt) < senderEnd - 1;
        var timing = string.Create(CultureInfo.InvariantCulture, $"{Receiver}: first datagram {first:0.00} s after the join, left at {leftAt:0.00} s; ");
        return new LabCheck
        {
            Name = Name,
            Passed = pruned,
            Flow = observed.Flow,
            Direction = FlowDirection.PodToOutside,
            Receiver = LabSettings.SourceHost,
            Expected = "the switch stops the group at the port once its last member left",
            LeaveToLastSeconds = Math.Round(seconds, 3),
            Detail = timing + (!pruned
                ? string.Create(CultureInfo.InvariantCulture, $"frames reached its interface until {lastFrame ?? leftAt:0.00} s, {seconds:0.00} s after the leave, as long as the sender sent (until about {senderEnd:0.0} s): the switch did not prune its port (it floods the group or keeps the membership).")
                : lastFrame is null
                    ? "no frame of the stream reached its interface after the leave."
                    : string.Create(CultureInfo.InvariantCulture, $"the last frame reached its interface {seconds:0.00} s after the leave, while the sender sent until about {senderEnd:0.0} s: the switch pruned its port.")),
        };
    }

    private static List<System.Text.Json.Nodes.JsonNode> Events(string output)
    {
        var events = new List<System.Text.Json.Nodes.JsonNode>();
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith('{')) continue;
            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(line) is { } node) events.Add(node);
            }
            catch (System.Text.Json.JsonException)
            {
                // A line cut short: not an event.
            }
        }
        return events;
    }
}
