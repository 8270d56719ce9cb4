using System.Globalization;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Reports;

/// <summary>iperf 2's server text (`iperf -s -u -i 1`), so logs read the same as with the original pod.</summary>
internal sealed class IperfServerReport(TextWriter output) : IReportSink
{
    private const string Rule = "------------------------------------------------------------";
    private readonly Dictionary<int, double> _streamStart = [];

    public void Listening(ReceivePlan plan, ReceiveBuffer buffer)
    {
        output.WriteLine(Rule);
        output.WriteLine($"Server listening on UDP port {plan.Endpoint.Port}");
        var source = plan.Endpoint.Source is null ? "" : $" (S,G)=({plan.Endpoint.Source},{plan.Endpoint.Group.Address})";
        var on = plan.Endpoint.Interface is null ? "" : $" w/iface {plan.Endpoint.Interface.Name}";
        output.WriteLine($"Joining multicast group  {plan.Endpoint.Group.Address}{source}{on}");
        // iperf's own line and units: getsockopt's (doubled) value, with a warning when it is short of the request.
        var size = IperfUnits.Bytes(buffer.GrantedBytes * 2.0, 4).TrimEnd('s');
        var shortOf = buffer.Short ? $" (WARNING: requested {IperfUnits.Bytes(buffer.RequestedBytes * 2.0).TrimEnd('s')})" : "";
        output.WriteLine($"UDP buffer size: {size}{shortOf}");
        output.WriteLine(Rule);
        output.Flush();
    }

    public void StreamStarted(StreamReport stream)
    {
        _streamStart[stream.Number] = stream.Start;
        output.WriteLine($"[{stream.Number,3}] local {stream.Group} port {stream.Port} connected with {stream.Source.Address} port {stream.Source.Port}");
        output.WriteLine("[ ID] Interval       Transfer     Bandwidth        Jitter   Lost/Total Datagrams");
        output.Flush();
    }

    public void Interval(StreamReport interval) => Write(interval);

    public void Summary(StreamReport summary)
    {
        Write(summary);
        if (summary.Counters.OutOfOrder > 0)
        {
            var (start, end) = Relative(summary);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{summary.Number,3}] {start:0.00}-{end:0.00} sec  {summary.Counters.OutOfOrder} datagrams received out-of-order"));
        }

        output.Flush();
    }

    public void End(ReceiveOutcome outcome)
    {
        if (!outcome.Ok)
        {
            output.WriteLine($"mcast: {outcome.Reason}");
        }

        output.Flush();
    }

    private (double Start, double End) Relative(StreamReport report)
    {
        var origin = _streamStart.GetValueOrDefault(report.Number);
        return (Math.Max(0, report.Start - origin), Math.Max(0, report.End - origin));
    }

    /// <summary>iperf -e prints latency as ms with three decimals, slash-separated; these are mcast's percentiles.</summary>
    private static string Latency(Accounting.LatencyPercentiles? p) => p is null
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $" latency p50/p90/p99/p99.9/p99.99/max {p.P50Ms:0.000}/{p.P90Ms:0.000}/{p.P99Ms:0.000}/{p.P999Ms:0.000}/{p.P9999Ms:0.000}/{p.MaxMs:0.000} ms");

    private void Write(StreamReport report)
    {
        var c = report.Counters;
        var (start, end) = Relative(report);
        var total = c.Received + c.Lost;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"[{report.Number,3}] {start:0.00}-{end:0.00} sec  {IperfUnits.Bytes(c.Bytes)}  {IperfUnits.BitsPerSecond(report.BitsPerSecond)}  {c.JitterMs,6:0.000} ms {c.Lost}/{total} ({c.LossPercent:0.##}%){Latency(c.Percentiles)}"));
        output.Flush();
    }
}
