using System.Globalization;
using McastLab.McastTools.Diagnosis;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Reports;

/// <summary>Human-readable lines: one per stream per interval, a summary per stream, a verdict.</summary>
internal sealed class TextReport(TextWriter output) : IReportSink
{
    public void Listening(ReceivePlan plan, ReceiveBuffer buffer)
    {
        output.WriteLine(Joined(plan, buffer));
        output.Flush();
    }

    public void Left(LeaveWatch watch, double end, double quietSeconds)
    {
        output.WriteLine(watch.Text(end, quietSeconds));
        output.Flush();
    }

    /// <summary>The line that says the join is done: scripts and tests wait for it before sending.</summary>
    public static string Joined(ReceivePlan plan, ReceiveBuffer buffer, string command = "recv")
    {
        var endpoint = plan.Endpoint;
        var on = endpoint.Interface is null ? "the default interface" : endpoint.Interface.Name;
        var source = endpoint.Source is null ? "any source" : $"source {endpoint.Source}";
        var groups = endpoint.Group.Count == 1 ? "" : $" ({endpoint.Group.Count} groups)";
        return $"mcast {command}: joined {endpoint.Group.Describe()}{groups} port {endpoint.Port} on {on}, {source}, {buffer.Describe()}";
    }

    public void Diagnosis(ReceiverProbe probe)
    {
        output.WriteLine(probe.Text());
        output.Flush();
    }

    public void StreamStarted(StreamReport stream)
    {
        output.WriteLine($"[{stream.Number}] stream from {stream.Source} to group {stream.Group}");
        output.Flush();
    }

    public void Interval(StreamReport interval) => Write("interval", interval);

    public void Summary(StreamReport summary) => Write("summary ", summary);

    public void End(ReceiveOutcome outcome)
    {
        output.WriteLine($"end: {outcome.Streams} stream(s), {(outcome.Ok ? "ok" : "FAILED")}: {outcome.Reason}");
        if (outcome.SilentGroups.Count > 0)
        {
            // Counted, and the first few named: a range of hundreds would make one unreadable line.
            var named = string.Join(", ", outcome.SilentGroups.Take(8)) + (outcome.SilentGroups.Count > 8 ? ", ..." : "");
            output.WriteLine($"silent groups: {outcome.SilentGroups.Count} joined group(s) carried no datagram: {named}");
        }

        output.Flush();
    }

    /// <summary>" p50 X p90 X … max X" in microseconds, sockperf's unit and percentiles.</summary>
    public static string Percentiles(Accounting.LatencyPercentiles? percentiles)
    {
        if (percentiles is null)
        {
            return "";
        }

        var text = new System.Text.StringBuilder();
        for (var i = 0; i < Accounting.LatencyPercentiles.Names.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $" {Accounting.LatencyPercentiles.Names[i]} {percentiles.Values[i] * 1000:0.000}");
        }

        return text.ToString();
    }

    private void Write(string kind, StreamReport report)
    {
        var c = report.Counters;
        var latency = c.LatencyAvgMs is { } avg ? string.Create(CultureInfo.InvariantCulture, $" latency avg {avg * 1000:0.000}{Percentiles(c.Percentiles)} us") : "";
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"[{report.Number}] {kind} {report.Start,7:0.00}-{report.End,-7:0.00} s {c.Received,9} pkts {IperfUnits.Bytes(c.Bytes),13} {IperfUnits.BitsPerSecond(report.BitsPerSecond),15}  lost {c.Lost} ({c.LossPercent:0.###}%) ooo {c.OutOfOrder} dup {c.Duplicates} invalid {c.Invalid} jitter {c.JitterMs:0.000} ms ttl {c.Ttl?.ToString(CultureInfo.InvariantCulture) ?? "-"} drops {c.KernelDrops}{latency}"));
        output.Flush();
    }
}
