using System.Globalization;
using McastLab.McastTools.Diagnosis;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Reports;

/// <summary>One header row, then a row per interval, per summary and a final "end" row.</summary>
internal sealed class CsvReport(TextWriter output, TextWriter log) : IReportSink
{
    public const string Header = "event,group,port,source,start,end,received,bytes,lost,outOfOrder,duplicates,invalid,jitterMs,ttl,kernelDrops,bitsPerSecond,latencyAvgMs,latencyP50Ms,latencyP90Ms,latencyP99Ms,latencyP999Ms,latencyP9999Ms,latencyMaxMs,streams,ok,reason";

    public void Listening(ReceivePlan plan, ReceiveBuffer buffer)
    {
        log.WriteLine(TextReport.Joined(plan, buffer));
        output.WriteLine(Header);
        output.Flush();
    }

    public void Diagnosis(ReceiverProbe probe) => log.WriteLine(probe.Text());

    public void Left(LeaveWatch watch, double end, double quietSeconds) => log.WriteLine(watch.Text(end, quietSeconds));

    public void StreamStarted(StreamReport stream)
    {
    }

    public void Interval(StreamReport interval) => Write("interval", interval);

    public void Summary(StreamReport summary) => Write("summary", summary);

    public void End(ReceiveOutcome outcome)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"end,,,,,,,,,,,,,,,,,,,,,,,{outcome.Streams},{(outcome.Ok ? "true" : "false")},\"{outcome.Reason.Replace("\"", "\"\"", StringComparison.Ordinal)}\""));
        output.Flush();
    }

    /// <summary>p50,p90,p99,p99.9,p99.99,max in ms, or six empty cells when latency is unknown.</summary>
    private static string Percentiles(Accounting.StreamSnapshot c) =>
        c.Percentiles is { } p ? string.Join(',', p.Values.Select(v => v.ToString("0.000000", CultureInfo.InvariantCulture))) : ",,,,,";

    private void Write(string kind, StreamReport r)
    {
        var c = r.Counters;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{kind},{r.Group},{r.Port},{r.Source},{r.Start:0.000000},{r.End:0.000000},{c.Received},{c.Bytes},{c.Lost},{c.OutOfOrder},{c.Duplicates},{c.Invalid},{c.JitterMs:0.000000},{c.Ttl},{c.KernelDrops},{r.BitsPerSecond:0.0},{c.LatencyAvgMs:0.000000},{Percentiles(c)},,,"));
        output.Flush();
    }
}
