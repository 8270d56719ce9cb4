using System.Globalization;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// The one verdict of the lab, for every backend: a receiver's output against what its flow expected, with
/// the sender's own count from its output (<see cref="SenderReport"/>) and the receiver's from its
/// (<see cref="ReceiverReport"/>). Backends hand over outputs; they never count or judge.
/// </summary>
public static class FlowVerdict
{
    /// <param name="joined">Whether the receiver was seen joined before the send (null: the backend cannot tell).</param>
    /// <param name="senderAddress">The sender's address on the segment: only its stream counts for an expected receive.</param>
    /// <param name="receiverAddress">The receiver's address, for the report.</param>
    public static LabCheck Judge(TrafficFlow flow, FlowReceiver receiver, ContainerOutcome sender, ContainerOutcome output, bool? joined,
        long minimum, string? senderAddress, string? receiverAddress)
    {
        var sent = SenderReport.DataDatagrams(flow.Sender.Tool, sender.Stdout);
        var check = receiver.Expect == Expectation.Everything
            ? Everything(receiver, sender, output, joined, sent, minimum, senderAddress)
            : Nothing(receiver, output, joined);
        return check with
        {
            Direction = receiver.Direction,
            Sender = $"{flow.Sender.Place} ({Describe(flow.Sender)})",
            Receiver = receiver.Place,
            Interface = receiver.Interface ?? "(route)",
            Expected = receiver.Expect switch
            {
                Expectation.Everything => "everything sent",
                Expectation.Nothing => "nothing",
                _ => "nothing (macvlan: the parent never hears its children)",
            },
            Flow = flow.Name,
            PodAddress = receiverAddress,
        };
    }

    private static LabCheck Everything(FlowReceiver receiver, ContainerOutcome sender, ContainerOutcome output, bool? joined, long? sent, long minimum, string? source)
    {
        var iperf = receiver.Tool == FlowTool.IperfServer;
        var report = iperf ? ReceiverReport.FromIperfText(output.Stdout) : ReceiverReport.FromMcastJson(output.Stdout, source);
        var problems = new List<string>();
        if (joined == false) problems.Add($"the receiver never joined the group on {receiver.Interface ?? "the segment"}");
        if (sender.ExitCode != 0) problems.Add($"the sender exited with code {sender.ExitCode}{(sent is null ? " before it finished" : "")}");
        else if (sent is null) problems.Add("the sender printed no count of what it sent");
        if (report is null)
        {
            var tool = iperf ? "iperf" : "mcast recv";
            problems.Add($"{tool} printed no final report (exit {output.ExitCode}: {FirstLine(output.Stderr + "\n" + output.Stdout)})");
        }
        else
        {
            // A shortfall is said once, with the count missing.
            if (sent is { } s && report.Received != s) problems.Add($"received {report.Received} of the {s} datagrams sent ({s - report.Received} missing)");
            else if (report.Received < minimum) problems.Add($"received {report.Received} datagrams, expected at least {minimum} ({minimum - report.Received} or more missing)");
            if (report.Lost is > 0) problems.Add($"{report.Lost} lost");
            // Everything means each datagram once, and nothing else on the flow's port.
            if (report.Duplicates is > 0) problems.Add($"{report.Duplicates} duplicate(s)");
            if (report.Invalid is > 0) problems.Add($"{report.Invalid} invalid datagram(s)");
            if (iperf && report.LossPercent is > 0) problems.Add($"iperf reports {report.LossPercent}% loss");
            if (!iperf && report.Ok == false && problems.Count == 0) problems.Add($"mcast recv failed: {report.Reason}");
        }
        var drops = report?.KernelDrops is > 0 ? $" The kernel dropped {report.KernelDrops} datagram(s) at the socket (receive buffer full)." : "";
        var detail = (problems.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(iperf ? "iperf" : "mcast recv")} got all {report!.Received} datagrams sent, none lost{(report.TtlSeen is { } t ? $" (TTL {t})" : "")}.")
            : string.Join("; ", problems) + ".") + drops;
        return LabCheck.FromReceiver(receiver.Check, problems.Count == 0, detail, report, sent, null);
    }

    private static LabCheck Nothing(FlowReceiver receiver, ContainerOutcome output, bool? joined)
    {
        // Anything heard counts, whoever sent it: the control must be deaf to the segment.
        var report = ReceiverReport.FromMcastJson(output.Stdout);
        var problems = new List<string>();
        if (joined == false) problems.Add($"the receiver never joined the group on {receiver.Interface ?? "the segment"}, so it proves nothing");
        if (report is null) problems.Add($"mcast recv printed no JSON report (exit {output.ExitCode}: {FirstLine(output.Stderr)})");
        else if (report.Received > 0 || report.Invalid > 0 || report.StreamsHeard > 0)
        {
            // Anything that reached the socket counts, valid data or not.
            var what = report.Invalid > 0 && report.Received == 0 ? $"{report.Invalid} invalid datagram(s)"
                : report.Invalid > 0 ? $"{report.Received} datagrams and {report.Invalid} invalid one(s)"
                : report.Received > 0 ? $"{report.Received} datagrams"
                : $"{report.StreamsHeard} stream(s)";
            problems.Add($"it heard {what} on {receiver.Interface ?? "its route's interface"}, where nothing may arrive");
        }
        var detail = problems.Count > 0
            ? string.Join("; ", problems) + "."
            : receiver.Expect == Expectation.Nothing
                ? $"Joined on {receiver.Interface} during the send, it received nothing: the group does not reach a pod through its cluster network."
                : "Received nothing, as expected: a macvlan child's frames never reach its parent interface, so the node does not hear its own pods (see README).";
        return LabCheck.FromReceiver(receiver.Check, problems.Count == 0, detail, report, null, null);
    }

    private static string Describe(FlowSender sender) => (sender.Tool, sender.Source) switch
    {
        (FlowTool.IperfClient, SourceChoice.Bind) => "iperf -c -B",
        (FlowTool.IperfClient, _) => "iperf -c",
        (FlowTool.McastSend, SourceChoice.Bind) => "mcast send --bind",
        (FlowTool.McastSend, SourceChoice.Interface) => "mcast send --interface",
        _ => "mcast send by route",
    };

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";
}
