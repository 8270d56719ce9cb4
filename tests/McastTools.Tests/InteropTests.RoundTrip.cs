using System.Globalization;
using System.Text.RegularExpressions;

namespace McastLab.McastTools.Tests;

/// <summary>
/// `mcast send --rtt` against `mcast pong` in the interop lab: a pong on the node and one on a macvlan pod each
/// answer every datagram, and the sender accounts for each responder.
/// </summary>
public sealed partial class InteropTests
{
    private static LabProcess StartPong(string ns, params string[] args)
    {
        var pong = NamespaceLab.Mcast(ns, ["pong", .. args]);
        Assert.True(pong.WaitForOutput("mcast pong: joined", Startup), $"pong did not start: {pong.Output}{pong.Error}");
        return pong;
    }

    [Fact]
    public void Round_trip_every_responder_answers_every_datagram_and_the_sender_reports_round_trip_percentiles()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var pod = StartPong(lab.Pod, "--group", "239.3.3.3%eth1", "--idle-timeout", "3");
        using var node = StartPong(lab.Node, "--group", "239.3.3.3%eth1", "--idle-timeout", "3");

        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "239.3.3.3%eth1", "--rtt", "--count", "500", "--rate", "1000pps", "--length", "64");
        Assert.Equal(0, sender.WaitForExit(RunLimit));
        Assert.Equal(0, pod.WaitForExit(RunLimit));
        Assert.Equal(0, node.WaitForExit(RunLimit));

        var lines = RttLine().Matches(sender.Output).ToDictionary(m => m.Groups["from"].Value);
        Assert.True(lines.Count == 2, sender.Output);
        foreach (var responder in new[] { "10.0.0.13:5001", "10.0.0.11:5001" })
        {
            var line = lines[responder];
            Assert.Equal(("500", "0"), (line.Groups["replies"].Value, line.Groups["lost"].Value));
            // "avg A p50 B p90 C ...": every other word is a value.
            var values = line.Groups["values"].Value.Split(' ').Where((_, i) => i % 2 == 0).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // avg, p50, p90, p99, p99.9, p99.99, max: positive, percentiles in order, none above the maximum.
            Assert.Equal(7, values.Length);
            Assert.True(values.All(v => v > 0), line.Value);
            Assert.True(values[1..].Zip(values[2..]).All(pair => pair.First <= pair.Second), line.Value);
        }

        // Each pong answered the 500 data datagrams and the 5 end-of-test copies.
        Assert.Contains("mcast pong: answered 505 datagrams from 1 sender(s)", pod.Output, StringComparison.Ordinal);
        Assert.Contains("mcast pong: answered 505 datagrams from 1 sender(s)", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Round_trip_without_a_responder_the_sender_says_so_and_fails()
    {
        RequireLab();
        using var lab = new NamespaceLab();

        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "239.3.3.3%eth1", "--rtt", "--count", "20", "--rate", "1000pps");
        Assert.Equal(1, sender.WaitForExit(RunLimit));

        Assert.Contains("mcast send: 20 datagrams", sender.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("rtt from", sender.Output, StringComparison.Ordinal);
        Assert.Contains("mcast send: no replies arrived; run 'mcast pong --group 239.3.3.3' on a receiver", sender.Error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"rtt from (?<from>\S+): (?<replies>\d+) replies, lost (?<lost>\d+) \(.*?\), round trip avg (?<values>[0-9.]+ p50 [0-9.]+ p90 [0-9.]+ p99 [0-9.]+ p99\.9 [0-9.]+ p99\.99 [0-9.]+ max [0-9.]+) us")]
    private static partial Regex RttLine();
}
