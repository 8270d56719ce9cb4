using System.Globalization;
using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// Turns one receiver's outcome in one send into a check: what it must have received (everything the
/// sender sent, none lost) or, for the negative control, nothing at all.
/// </summary>
public static partial class ReceiverVerdict
{
    /// <summary>
    /// Data datagrams an iperf 2.1.8 client sent. Its "Sent N datagrams" is two more than that: measured here,
    /// "Sent 94" went with data ids 1..92 and one end-of-test datagram carrying -93.
    /// </summary>
    public static long? IperfDataSent(ContainerOutcome sender) => ReceiverReport.IperfSent(sender.Stdout) is { } n ? n - 2 : null;

    /// <summary>Datagrams `mcast send` sent ("mcast send: N datagrams ...").</summary>
    public static long? McastSent(ContainerOutcome sender) =>
        McastSentLine().Match(sender.Stdout) is { Success: true } m ? long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>`mcast recv --format json --expect-packets N --max-loss 0` after an iperf send.</summary>
    public static LabCheck McastReceiver(string name, ContainerOutcome receiver, ContainerOutcome sender, long? sent, long minimum, string? address, bool joined)
    {
        var report = ReceiverReport.FromMcastJson(receiver.Stdout);
        var problems = new List<string>();
        if (!joined) problems.Add("the receiver never joined the group");
        if (sender.ExitCode != 0) problems.Add($"the sender exited with code {sender.ExitCode}{(sent is null ? " before it finished" : "")}");
        if (report is null)
        {
            problems.Add($"mcast recv printed no JSON report (exit {receiver.ExitCode}: {FirstLine(receiver.Stderr)})");
        }
        else
        {
            // A shortfall is said once, with the count missing; mcast's own reason covers the rest.
            if (report.Received < minimum) problems.Add($"received {report.Received} datagrams, expected at least {minimum} ({minimum - report.Received} or more missing)");
            else if (report.Ok != true) problems.Add($"mcast recv failed: {report.Reason}");
            if (sent is { } s && report.Received != s) problems.Add($"received {report.Received} of the {s} datagrams sent ({s - report.Received} missing)");
            if (report.Lost is > 0) problems.Add($"{report.Lost} lost");
        }
        return LabCheck.FromReceiver(name, problems.Count == 0,
            problems.Count == 0
                ? $"mcast recv got all {report!.Received} datagrams{(sent is null ? "" : " sent")}, none lost (TTL {report.Ttl?.ToString(CultureInfo.InvariantCulture) ?? "?"})."
                : string.Join("; ", problems) + ".",
            report, sent, address);
    }

    /// <summary>iperf 2's server after an mcast send: its final report must show 0% loss.</summary>
    public static LabCheck IperfReceiver(string name, ContainerOutcome receiver, ContainerOutcome sender, long? sent, long minimum, string? address, bool joined)
    {
        var report = ReceiverReport.FromIperfText(receiver.Stdout);
        var problems = new List<string>();
        if (!joined) problems.Add("the receiver never joined the group");
        if (sender.ExitCode != 0) problems.Add($"the sender exited with code {sender.ExitCode}");
        if (report is null)
        {
            problems.Add($"iperf printed no final report (exit {receiver.ExitCode}: {FirstLine(receiver.Stderr + receiver.Stdout)})");
        }
        else
        {
            if (report.Lost != 0 || report.LossPercent != 0) problems.Add($"iperf reports {report.Lost} lost ({report.LossPercent}%)");
            if (report.Received < minimum) problems.Add($"received {report.Received} datagrams, expected at least {minimum}");
            if (sent is { } s && report.Received != s) problems.Add($"received {report.Received} of the {s} datagrams sent");
        }
        return LabCheck.FromReceiver(name, problems.Count == 0,
            problems.Count == 0
                ? $"iperf's report shows {report!.Received}/{report.Received} datagrams, 0% loss."
                : string.Join("; ", problems) + ".",
            report, sent, address);
    }

    /// <summary>A pod without the attachment, listening during the same send: it must receive nothing.</summary>
    public static LabCheck NegativeControl(string name, ContainerOutcome receiver, bool joined)
    {
        var report = ReceiverReport.FromMcastJson(receiver.Stdout);
        var problems = new List<string>();
        if (!joined) problems.Add("the control receiver never joined the group, so it proves nothing");
        if (report is null) problems.Add($"mcast recv printed no JSON report (exit {receiver.ExitCode}: {FirstLine(receiver.Stderr)})");
        else if (report.Received > 0) problems.Add($"a pod without the attachment received {report.Received} datagrams");
        return new LabCheck
        {
            Name = name,
            Passed = problems.Count == 0,
            Received = report?.Received,
            Detail = problems.Count == 0
                ? "A pod without the attachment, joined to the group during the send, received nothing."
                : string.Join("; ", problems) + ".",
        };
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";

    [GeneratedRegex(@"mcast send:\s+(?<count>[0-9]+)\s+datagrams")]
    private static partial Regex McastSentLine();
}
