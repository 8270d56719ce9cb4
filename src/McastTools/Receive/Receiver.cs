using System.Diagnostics;
using System.Globalization;
using McastLab.McastTools.Accounting;
using McastLab.McastTools.Metrics;
using McastLab.McastTools.Reports;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Receive;

/// <summary>Joins the group, counts every datagram per stream, reports per interval and at the end.</summary>
internal sealed class Receiver(ReceivePlan plan, IReportSink sink)
{
    private static readonly TimeSpan Wakeup = TimeSpan.FromMilliseconds(50);
    private readonly StreamTable _streams = new();
    private readonly Dictionary<StreamKey, StreamSnapshot> _lastInterval = [];
    private readonly HashSet<StreamKey> _summarized = [];

    /// <summary>Each stream's current interval starts at its first datagram, as iperf's do.</summary>
    private readonly Dictionary<StreamKey, double> _intervalStart = [];
    private long _kernelDrops;
    private IReadOnlyList<System.Net.IPAddress>? _groups;

    /// <summary>Where `recv --metrics` reads the counters from; null without an endpoint.</summary>
    public MetricsBoard? Metrics { get; init; }

    public ReceiveOutcome Run(CancellationToken cancel)
    {
        using var sockets = ReceiveSockets.Open(plan.Endpoint, Wakeup, bufferBytes: plan.BufferBytes);
        using var batch = new BatchReceiver(sockets.First);
        var buffer = sockets.Buffer;
        sink.Listening(plan, buffer);
        sink.Diagnosis(Diagnosis.ReceiverProbe.Take(plan.Endpoint, buffer));
        if (buffer.Warning() is { } warning)
        {
            Console.Error.WriteLine(warning);
        }

        if (sockets.Note is { } spread)
        {
            Console.Error.WriteLine(spread);
        }

        var clock = Stopwatch.StartNew();
        var lastDatagram = 0.0;
        var lastPayload = 0;
        LeaveWatch? leaving = null;
        string reason;
        while (true)
        {
            var count = sockets.Receive(batch);
            var now = clock.Elapsed.TotalSeconds;
            for (var i = 0; i < count; i++)
            {
                var datagram = batch[i];
                if (sockets.GroupOf(datagram) is not { } group)
                {
                    continue;
                }

                lastPayload = datagram.Data.Length;
                var key = new StreamKey(datagram.Source.Address, datagram.Source.Port, group);
                var counters = _streams.For(key);
                var isNew = double.IsNaN(counters.FirstSeen);
                var wasEnded = counters.Ended;
                counters.Record(datagram.Data, now, datagram.ArrivalNanos, datagram.Ttl);
                sockets.CountDrops(datagram.KernelDrops);
                _kernelDrops = sockets.KernelDrops;
                if (isNew)
                {
                    _intervalStart[key] = now;
                    sink.StreamStarted(Report(key, now, now, StreamSnapshot.Empty));
                }

                if (plan.Persistent && !wasEnded && counters.Ended && counters.HasData)
                {
                    FinishIntervals(key, now);
                    Summarize(key);
                }
            }

            if (count > 0)
            {
                lastDatagram = now;
            }

            if (plan.LeaveAfterSeconds is { } leaveAfter && leaving is null && now >= leaveAfter)
            {
                sockets.Leave(plan.Endpoint);
                // Frames smaller than the stream's datagrams (IGMP queries, ARP) do not count; none seen: the default length.
                leaving = new LeaveWatch(plan.Endpoint.Interface!.Name, now, lastPayload > 0 ? lastPayload : 1470, LeaveWatch.ProcNetDev);
                lastDatagram = now;
            }
            else if (leaving is not null && leaving.Look(now))
            {
                // From the leave on, the idle timeout counts from the last frame on the interface.
                lastDatagram = now;
            }

            ReportDueIntervals(now);
            if (Metrics is { Wanted: true } board)
            {
                board.Publish(now, _groups ??= plan.Endpoint.Group.Members, sockets.Count, _kernelDrops, _streams);
            }

            if (plan.StopReason(now, lastDatagram, cancel) is { } stop)
            {
                reason = stop;
                break;
            }

            if (!plan.Persistent && _streams.AllDataStreamsEnded)
            {
                reason = "every stream sent its end-of-test datagram";
                break;
            }
        }

        var end = clock.Elapsed.TotalSeconds;
        foreach (var key in _streams.Keys)
        {
            FinishIntervals(key, end);
            Summarize(key);
        }

        if (leaving is not null)
        {
            sink.Left(leaving, end, plan.IdleTimeoutSeconds ?? 1);
        }

        var finals = _streams.Keys.Select(k => (k, _streams[k].Snapshot(_kernelDrops))).ToList();
        var failure = Verdict.Failure(finals, plan.ExpectPackets, plan.MaxLossPercent);
        var outcome = new ReceiveOutcome(_streams.Count, failure is null, failure ?? reason, cancel.IsCancellationRequested)
        {
            SilentGroups = plan.Endpoint.Group.Count == 1 ? [] : [.. plan.Endpoint.Group.Members.Except(_streams.Keys.Select(k => k.Group!)).Select(g => g.ToString())],
        };
        sink.End(outcome);
        return outcome;
    }

    private void ReportDueIntervals(double now)
    {
        if (plan.IntervalSeconds <= 0)
        {
            return;
        }

        foreach (var key in _streams.Keys)
        {
            var start = _intervalStart[key];
            while (now >= start + plan.IntervalSeconds)
            {
                ReportInterval(key, start, start + plan.IntervalSeconds);
                start += plan.IntervalSeconds;
            }

            _intervalStart[key] = start;
        }
    }

    /// <summary>Reports the partial interval a stream is in when it ends or the run stops.</summary>
    private void FinishIntervals(StreamKey key, double now)
    {
        ReportDueIntervals(now);
        // However short the rest is: a datagram that arrived just after the last boundary belongs to an interval
        // (ReportInterval skips a rest in which nothing arrived).
        if (plan.IntervalSeconds > 0 && now > _intervalStart[key])
        {
            ReportInterval(key, _intervalStart[key], now);
        }
    }

    private void ReportInterval(StreamKey key, double start, double end)
    {
        var counters = _streams[key];
        if (_summarized.Contains(key) || !(counters.LastSeen >= start))
        {
            return;
        }

        var now = counters.Snapshot(_kernelDrops);
        var previous = _lastInterval.GetValueOrDefault(key) ?? StreamSnapshot.Empty;
        _lastInterval[key] = now;
        sink.Interval(Report(key, start, end, now.Since(previous)));
    }

    private void Summarize(StreamKey key)
    {
        if (!_summarized.Add(key))
        {
            return;
        }

        var counters = _streams[key];
        sink.Summary(Report(key, counters.FirstSeen, counters.LastSeen, counters.Snapshot(_kernelDrops)));
    }

    private StreamReport Report(StreamKey key, double start, double end, StreamSnapshot counters)
    {
        var number = 1;
        foreach (var known in _streams.Keys)
        {
            if (known == key)
            {
                break;
            }

            number++;
        }

        var group = (key.Group ?? plan.Endpoint.Group.Address).ToString();
        return new StreamReport(group, plan.Endpoint.Port, key, number, start, end, counters);
    }
}
