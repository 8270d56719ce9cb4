using System.Globalization;
using System.Text;
using ApprovalTests;
using McastLab.Pipeline.Lab;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>
/// Golden file of what the lab's parsers read from every captured tool output (Captured/): a recapture with a
/// changed tool, or a changed parser, shows here as a line diff of the figures, file by file.
/// </summary>
public sealed class CapturedOutputGoldenTests
{
    [Fact]
    public void Every_captured_output_parses_to_the_approved_figures()
    {
        var text = new StringBuilder();
        foreach (var path in Directory.GetFiles(ReplayedRun.Directory).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var output = File.ReadAllText(path);
            var figures = name switch
            {
                _ when name.StartsWith("iperf-client", StringComparison.Ordinal) && name.EndsWith(".txt", StringComparison.Ordinal) =>
                    $"iperf client: Sent {N(SenderReport.IperfSent(output))} → data {N(SenderReport.DataDatagrams(FlowTool.IperfClient, output))}",
                _ when name.StartsWith("mcast-send", StringComparison.Ordinal) => $"mcast send: sent {N(SenderReport.DataDatagrams(FlowTool.McastSend, output))}",
                _ when name.StartsWith("iperf-server", StringComparison.Ordinal) => Receiver("iperf server", ReceiverReport.FromIperfText(output)),
                _ when name.EndsWith(".jsonl", StringComparison.Ordinal) => Receiver("mcast recv", ReceiverReport.FromMcastJson(output)),
                _ => null,
            };
            if (figures is not null) text.Append(CultureInfo.InvariantCulture, $"{name}: {figures}\n");
        }
        Approvals.Verify(text.ToString());
    }

    private static string Receiver(string tool, ReceiverReport? r) => r is null
        ? $"{tool}: no final report"
        : string.Create(CultureInfo.InvariantCulture,
            $"{tool}: received {r.Received}, lost {N(r.Lost)}, reordered {N(r.Reordered)}, duplicates {N(r.Duplicates)}, invalid {N(r.Invalid)}, kernel drops {N(r.KernelDrops)}, streams {r.StreamsHeard}, ok {(r.Ok is { } ok ? ok ? "yes" : "no" : "-")}");

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
