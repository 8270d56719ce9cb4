using System.Text.Json;

namespace McastLab.McastTools.Tests;

/// <summary>
/// `mcast recv --leave-after`: it leaves while the stream still runs and watches its interface until frames stop.
/// Behind a Linux bridge that snoops IGMP with its querier (ports not flooding unregistered groups), the switch
/// prunes the port after its last-member queries, long before the sender ends; behind a flooding bridge frames
/// keep coming until the sender stops. Needs root (CI).
/// </summary>
public sealed class LeaveTimingTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void After_its_leave_a_snooping_switch_stops_the_frames_and_a_flooding_one_does_not(bool snooping)
    {
        Assert.SkipUnless(NamespaceLab.IsRoot, "the leave timing test builds a bridge in network namespaces and needs root");
        var mcast = NativeMcast.Require();
        using var segment = new BridgeSegment(snooping);
        using var receiver = new LabProcess(["ip", "netns", "exec", segment.Receiver, mcast, "recv", "--group", "224.0.67.67%eth1",
            "--leave-after", "2", "--idle-timeout", "3", "--duration", "40", "--format", "json"]);
        Assert.True(receiver.WaitForOutput("\"event\":\"diagnosis\"", RunLimit), receiver.Error);
        using var sender = new LabProcess(["ip", "netns", "exec", segment.Source, mcast, "send", "--group", "224.0.67.67%eth1", "--rate", "200pps", "--duration", "12"]);

        Assert.Equal(0, receiver.WaitForExit(RunLimit));
        var senderStillSending = !sender.HasExited;
        Assert.Equal(0, sender.WaitForExit(RunLimit));

        var left = receiver.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .Single(e => e.GetProperty("event").GetString() == "left");
        Assert.Equal("eth1", left.GetProperty("interface").GetString());
        Assert.True(left.GetProperty("framesStopped").GetBoolean(), receiver.Output);
        // Frames came after the leave in both cases (a leave takes effect at the switch, not at once) ...
        Assert.True(left.GetProperty("leaveToLastFrameSeconds").GetDouble() > 0, receiver.Output);
        // ... but only the snooping switch stopped them while the sender still sent: the receiver saw them stop and ended first.
        Assert.Equal(snooping, senderStillSending);
    }

    /// <summary>Namespaces source and receiver on a bridge in a switch namespace, snooping with its querier or flooding.</summary>
    private sealed class BridgeSegment : IDisposable
    {
        private readonly string _switch;

        public BridgeSegment(bool snooping)
        {
            var prefix = "mcl" + Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
            (_switch, Source, Receiver) = (prefix + "w", prefix + "s", prefix + "r");
            try
            {
                foreach (var ns in new[] { _switch, Source, Receiver })
                {
                    NamespaceLab.Ip("netns", "add", ns);
                }

                var on = snooping ? "1" : "0";
                NamespaceLab.Ip("-n", _switch, "link", "add", "br0", "type", "bridge");
                // Timers first, then the querier (docs/troubleshooting.md: the querier's start delay is the response interval it has then).
                NamespaceLab.Ip("-n", _switch, "link", "set", "br0", "type", "bridge", "mcast_snooping", on, "mcast_query_interval", "400",
                    "mcast_query_response_interval", "100", "mcast_startup_query_interval", "100", "mcast_membership_interval", "1000");
                NamespaceLab.Ip("-n", _switch, "link", "set", "br0", "type", "bridge", "mcast_querier", on);
                foreach (var (ns, address) in new[] { (Source, "10.0.0.12/24"), (Receiver, "10.0.0.13/24") })
                {
                    NamespaceLab.Ip("link", "add", ns, "netns", _switch, "type", "veth", "peer", "name", "eth1", "netns", ns);
                    NamespaceLab.Ip("-n", _switch, "link", "set", ns, "master", "br0", "up");
                    if (snooping)
                    {
                        using var flood = new LabProcess(["bridge", "-n", _switch, "link", "set", "dev", ns, "mcast_flood", "off"]);
                        Assert.Equal(0, flood.WaitForExit(TimeSpan.FromSeconds(10)));
                    }

                    NamespaceLab.Ip("-n", ns, "addr", "add", address, "dev", "eth1");
                    NamespaceLab.Ip("-n", ns, "link", "set", "eth1", "up");
                }

                NamespaceLab.Ip("-n", _switch, "link", "set", "br0", "up");
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string Source { get; }

        public string Receiver { get; }

        public void Dispose()
        {
            foreach (var ns in new[] { _switch, Source, Receiver })
            {
                using var delete = new LabProcess(["ip", "netns", "del", ns]);
                delete.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
    }
}
