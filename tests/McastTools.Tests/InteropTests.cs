using System.Text.Json;
using System.Text.RegularExpressions;

namespace McastLab.McastTools.Tests;

/// <summary>
/// mcast against iperf 2.1.8 and itself in network namespaces shaped like the lab: the receiver sits on a
/// macvlan child of the node's eth1, as a Multus pod does. Needs root and iperf (CI has both).
/// </summary>
public sealed partial class InteropTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(30);

    private static void RequireLab()
    {
        Assert.SkipUnless(NamespaceLab.IsRoot, "interop tests create network namespaces and need root");
        Assert.SkipUnless(NamespaceLab.HasIperf, "interop tests need iperf 2.1.8 (apt-get install iperf)");
        NativeMcast.Require();
    }

    private static List<JsonElement> JsonLines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static LabProcess StartReceiver(string ns, params string[] args)
    {
        var receiver = NamespaceLab.Mcast(ns, ["recv", .. args]);
        // Text prints the join on stdout, json and csv on stderr; either way the group is joined then.
        Assert.True(receiver.WaitForOutput("mcast recv: joined", Startup, orError: true), $"receiver did not start: {receiver.Error}");
        return receiver;
    }

    [Fact]
    public void Iperf_client_to_mcast_recv_on_a_macvlan_child()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var receiver = StartReceiver(lab.Pod, "--group", "224.0.67.67%eth1", "--format", "json", "--expect-packets", "100", "--max-loss", "0", "--idle-timeout", "10");

        using var iperf = NamespaceLab.Iperf(lab.Source, "-c", "224.0.67.67", "-u", "--ttl", "5", "-t", "2", "-b", "2M", "-B", "10.0.0.12");
        Assert.Equal(0, iperf.WaitForExit(RunLimit));
        Assert.Equal(0, receiver.WaitForExit(RunLimit));

        var lines = JsonLines(receiver.Output);
        var summary = Assert.Single(lines, l => l.GetProperty("event").GetString() == "summary");
        var end = lines[^1];
        var sent = long.Parse(IperfSent().Match(iperf.Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("10.0.0.12:", summary.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, summary.GetProperty("lost").GetInt64());
        Assert.Equal(0, summary.GetProperty("duplicates").GetInt64());
        Assert.Equal(5, summary.GetProperty("ttl").GetInt32());
        // iperf's "Sent N" counts its end-of-test datagram and one more than the last id.
        Assert.InRange(summary.GetProperty("received").GetInt64(), sent - 2, sent);
        Assert.Contains(lines, l => l.GetProperty("event").GetString() == "interval");
        Assert.Equal("end", end.GetProperty("event").GetString());
        Assert.True(end.GetProperty("ok").GetBoolean());
        Assert.Equal(1, end.GetProperty("streams").GetInt32());
    }

    [Fact]
    public void Mcast_send_to_iperf_server_on_a_macvlan_child()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var iperf = new LabProcess(["ip", "netns", "exec", lab.Pod, "stdbuf", "-oL", "iperf", "-s", "-u", "-B", "224.0.67.67%eth1"]);
        Assert.True(iperf.WaitForOutput("Joining multicast", Startup), iperf.Output + iperf.Error);

        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "224.0.67.67", "--interface", "eth1", "--ttl", "5", "--count", "300", "--rate", "1000pps");
        Assert.Equal(0, sender.WaitForExit(RunLimit));

        Assert.True(iperf.WaitForOutput("(0%)", TimeSpan.FromSeconds(10)), iperf.Output);
        var report = IperfLoss().Match(iperf.Output);
        Assert.True(report.Success, iperf.Output);
        Assert.Equal("0", report.Groups[1].Value);
        // iperf's total counts the end-of-test datagram.
        Assert.InRange(int.Parse(report.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 300, 301);
        Assert.Contains("mcast send: 300 datagrams", sender.Output, StringComparison.Ordinal);
        Assert.Contains("connected with 10.0.0.12", iperf.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_specific_join_ignores_a_second_source_that_an_any_source_join_sees()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        NamespaceLab.Address(lab.Source, "10.0.0.14/24");
        using var ssm = StartReceiver(lab.Pod, "--group", "232.1.1.1%eth1", "--source", "10.0.0.12", "--format", "json", "--interval", "0", "--idle-timeout", "10");
        // The control listens in the node: two sockets on one group and port in one namespace do not
        // reliably each get a copy on this kernel, which would blur what the filter did.
        using var asm = StartReceiver(lab.Node, "--group", "232.1.1.1%eth1", "--interval", "0", "--idle-timeout", "10");

        using var intruder = NamespaceLab.Mcast(lab.Source, "send", "--group", "232.1.1.1", "--bind", "10.0.0.14", "--count", "600", "--rate", "300pps");
        // Only once the intruder's datagrams are on the wire does the wanted source start.
        Assert.True(asm.WaitForOutput("stream from 10.0.0.14:", Startup), asm.Output + intruder.Error);
        using var wanted = NamespaceLab.Mcast(lab.Source, "send", "--group", "232.1.1.1", "--bind", "10.0.0.12", "--count", "100", "--rate", "400pps");
        Assert.Equal(0, wanted.WaitForExit(RunLimit));
        Assert.Equal(0, ssm.WaitForExit(RunLimit));
        Assert.Equal(0, intruder.WaitForExit(RunLimit));
        Assert.Equal(0, asm.WaitForExit(RunLimit));

        var only = Assert.Single(JsonLines(ssm.Output), l => l.GetProperty("event").GetString() == "summary");
        Assert.StartsWith("10.0.0.12:", only.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(100, only.GetProperty("received").GetInt64());
        Assert.Contains("stream from 10.0.0.12:", asm.Output, StringComparison.Ordinal);
        Assert.Contains("end: 2 stream(s), ok", asm.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6_mcast_send_and_iperf_client_reach_mcast_recv()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var receiver = StartReceiver(lab.Pod, "--group", "ff05::6767%eth1", "--format", "json", "--interval", "0", "--idle-timeout", "10");

        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "ff05::6767", "--interface", "eth1", "--ttl", "4", "--count", "200", "--rate", "1000pps");
        Assert.Equal(0, sender.WaitForExit(RunLimit));
        Assert.Equal(0, receiver.WaitForExit(RunLimit));
        var summary = Assert.Single(JsonLines(receiver.Output), l => l.GetProperty("event").GetString() == "summary");
        Assert.Equal((200, 0, 4), (summary.GetProperty("received").GetInt64(), summary.GetProperty("lost").GetInt64(), summary.GetProperty("ttl").GetInt32()));
        Assert.StartsWith("[fd00::12]:", summary.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(1450 * 200, summary.GetProperty("bytes").GetInt64());

        using var again = StartReceiver(lab.Pod, "--group", "ff05::6767%eth1", "--format", "json", "--interval", "0", "--idle-timeout", "10", "--max-loss", "0");
        using var iperf = NamespaceLab.Iperf(lab.Source, "-c", "ff05::6767", "-V", "-u", "-T", "3", "-t", "1", "-b", "1M");
        Assert.Equal(0, iperf.WaitForExit(RunLimit));
        Assert.Equal(0, again.WaitForExit(RunLimit));
        Assert.True(JsonLines(again.Output)[^1].GetProperty("ok").GetBoolean());
    }

    [Fact]
    public void Paced_sending_keeps_its_rate_and_the_receiver_reports_intervals()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var receiver = StartReceiver(lab.Pod, "--group", "239.1.2.3%eth1", "--format", "csv", "--interval", "0.25", "--idle-timeout", "10");
        // A second reader on the node keeps every datagram, to judge the pacing from mcast send's own timestamps.
        using var wire = NamespaceSocket.JoinGroup(lab.Node, System.Net.IPAddress.Parse("239.1.2.3"), 5001, System.Net.IPAddress.Parse("10.0.0.11"));
        // The routing table says multicast leaves by lo: only a real interface choice reaches the pod.
        using (var route = new LabProcess(["ip", "-n", lab.Source, "route", "add", "224.0.0.0/4", "dev", "lo"]))
        {
            Assert.Equal(0, route.WaitForExit(RunLimit));
        }

        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "239.1.2.3%eth1", "--count", "200", "--rate", "200pps", "--length", "64");
        Assert.Equal(0, sender.WaitForExit(RunLimit));
        Assert.Equal(0, receiver.WaitForExit(RunLimit));

        // The sender stamps each datagram when it sends it; paced at 200/s, datagram n is never sent before
        // (n-1)/200 s after the first. Late is possible on a loaded machine (the pacer then catches up), early is
        // not: unpaced, all 200 would leave within milliseconds. The slack covers a first send that was itself late.
        var stamps = new Dictionary<long, long>();
        var buffer = new byte[2048];
        while (stamps.Count < 200)
        {
            var length = wire.Receive(buffer);
            if (Wire.IperfHeader.TryRead(buffer.AsSpan(0, length), out var header) == Wire.DatagramKind.Data)
            {
                stamps[header.Id] = header.TimestampMicroseconds;
            }
        }

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), stamps.Keys.Order());
        var early = stamps.Where(s => s.Value - stamps[1] < ((s.Key - 1) * 5_000) - 20_000).Select(s => $"#{s.Key} at {(s.Value - stamps[1]) / 1000.0} ms").ToList();
        Assert.True(early.Count == 0, $"sent before their time: {string.Join(", ", early.Take(5))}");

        // The receiver's own report: contiguous 0.25 s intervals from the stream's first datagram, the last one
        // partial, together holding every datagram the summary counts.
        var rows = receiver.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Reports.CsvReport.Header, rows[0]);
        double Cell(string[] row, int column) => double.Parse(row[column], System.Globalization.CultureInfo.InvariantCulture);
        var summary = rows.Single(r => r.StartsWith("summary,", StringComparison.Ordinal)).Split(',');
        Assert.Equal("200", summary[6]);
        var intervals = rows.Where(r => r.StartsWith("interval,", StringComparison.Ordinal)).Select(r => r.Split(',')).ToList();
        Assert.Equal(Cell(summary, 4), Cell(intervals[0], 4), 6);
        foreach (var (previous, next) in intervals.Zip(intervals.Skip(1)))
        {
            Assert.Equal(Cell(previous, 5), Cell(next, 4), 6);
            Assert.Equal(0.25, Cell(previous, 5) - Cell(previous, 4), 6);
        }

        Assert.InRange(Cell(intervals[^1], 5) - Cell(intervals[^1], 4), 0, 0.25 + 1e-6);
        Assert.True(Cell(intervals[^1], 5) >= Cell(summary, 5), "the last interval ends before the stream's last datagram");
        Assert.Equal(200, intervals.Sum(r => long.Parse(r[6], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.StartsWith("end,", rows[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_expecting_receiver_fails_after_the_idle_timeout_when_nothing_arrives()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var receiver = StartReceiver(lab.Pod, "--group", "224.0.67.67%eth1", "--format", "json", "--expect-packets", "10", "--idle-timeout", "1");

        Assert.Equal(1, receiver.WaitForExit(RunLimit));

        var lines = JsonLines(receiver.Output);
        Assert.Equal(["joined", "diagnosis", "end"], lines.Select(l => l.GetProperty("event").GetString()));
        var end = lines[^1];
        Assert.False(end.GetProperty("ok").GetBoolean());
        Assert.Equal("no datagrams were received", end.GetProperty("reason").GetString());
    }

    [Fact]
    public void Ctrl_c_prints_the_final_report_and_exits_130()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var receiver = StartReceiver(lab.Pod, "--group", "224.0.67.67%eth1", "--expect-packets", "1");

        using (var interrupt = new LabProcess(["kill", "-INT", receiver.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            Assert.Equal(0, interrupt.WaitForExit(RunLimit));
        }

        Assert.Equal(130, receiver.WaitForExit(RunLimit));
        Assert.Contains("end: 0 stream(s), FAILED: no datagrams were received", receiver.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_receiver_reports_the_buffer_it_got_and_warns_without_the_capability_to_force_it()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var root = StartReceiver(lab.Pod, "--group", "224.0.67.67%eth1", "--format", "json", "--idle-timeout", "0.5");
        Assert.Equal(0, root.WaitForExit(RunLimit));
        var joined = JsonLines(root.Output)[0];
        Assert.Equal("joined", joined.GetProperty("event").GetString());
        Assert.Equal(16 << 20, joined.GetProperty("receiveBufferBytes").GetInt32());
        Assert.Equal(16 << 20, joined.GetProperty("receiveBufferRequestedBytes").GetInt32());
        Assert.DoesNotContain("warning", root.Error, StringComparison.Ordinal);

        // As the images run in a pod: uid 65534, no CAP_NET_ADMIN, so SO_RCVBUFFORCE fails and rmem_max caps the
        // buffer. The expectation follows from the host's value (a global sysctl that other work on the host uses,
        // so the test reads it rather than sets it): below 16 MiB the buffer is rmem_max and mcast warns, at or
        // above it mcast gets what it asked for and says nothing.
        using var limit = new LabProcess(["ip", "netns", "exec", lab.Pod, "cat", "/proc/sys/net/core/rmem_max"]);
        Assert.Equal(0, limit.WaitForExit(RunLimit));
        var rmemMax = int.Parse(limit.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var granted = Math.Min(rmemMax, 16 << 20);
        using var pod = NamespaceLab.McastUnprivileged(lab.Pod, "recv", "--group", "224.0.67.67%eth1", "--format", "json", "--idle-timeout", "0.5");
        Assert.Equal(0, pod.WaitForExit(RunLimit));

        var podJoined = JsonLines(pod.Output)[0];
        Assert.Equal(granted, podJoined.GetProperty("receiveBufferBytes").GetInt32());
        Assert.Equal(16 << 20, podJoined.GetProperty("receiveBufferRequestedBytes").GetInt32());
        Assert.Contains($"receive buffer {granted / 1024} KiB", pod.Error, StringComparison.Ordinal);
        if (rmemMax < 16 << 20)
        {
            Assert.Contains($"mcast recv: warning: the receive buffer is {rmemMax / 1024} KiB, less than the 16384 KiB asked for", pod.Error, StringComparison.Ordinal);
            Assert.Contains("sysctl -w net.core.rmem_max=16777216", pod.Error, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("warning", pod.Error, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"Sent (\d+) datagrams")]
    private static partial Regex IperfSent();

    [GeneratedRegex(@"0\.0+-\S+ sec .* (\d+)/(\d+) \(")]
    private static partial Regex IperfLoss();
}
