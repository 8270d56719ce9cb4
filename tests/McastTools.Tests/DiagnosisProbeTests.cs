using System.Text.Json;

namespace McastLab.McastTools.Tests;

/// <summary>
/// The probe `mcast recv` and `mcast send` print once joined or connected (the "diagnosis" event): what the
/// kernel holds, read as root, as a pod's uid 65534 without capabilities, and on IPv6. Needs root (CI).
/// </summary>
public sealed class DiagnosisProbeTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(30);

    private static void RequireRoot()
    {
        Assert.SkipUnless(NamespaceLab.IsRoot, "the probe tests create network namespaces and need root");
        NativeMcast.Require();
    }

    private static JsonElement Event(string output, string name) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .Single(e => e.GetProperty("event").GetString() == name);

    private static string Run(params string[] command)
    {
        using var process = new LabProcess(command);
        Assert.Equal(0, process.WaitForExit(RunLimit));
        return process.Output;
    }

    [Fact]
    public void As_root_the_receiver_reports_the_kernels_membership_route_flags_rp_filter_and_buffer()
    {
        RequireRoot();
        using var lab = new NamespaceLab();
        Run("ip", "-n", lab.Pod, "route", "add", "224.0.0.0/4", "dev", "eth1");
        Run("ip", "netns", "exec", lab.Pod, "sysctl", "-qw", "net.ipv4.conf.eth1.rp_filter=2");
        using var receiver = NamespaceLab.Mcast(lab.Pod, "recv", "--group", "224.0.67.67", "--format", "json", "--idle-timeout", "0.5");
        Assert.Equal(0, receiver.WaitForExit(RunLimit));

        var probe = Event(receiver.Output, "diagnosis");
        Assert.Equal("receiver", probe.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, probe.GetProperty("requestedInterface").ValueKind);
        var membership = Assert.Single(probe.GetProperty("memberships").EnumerateArray());
        Assert.Equal(("eth1", 1), (membership.GetProperty("interface").GetString(), membership.GetProperty("users").GetInt32()));
        Assert.Equal(("224.0.0.0/4", "eth1", true), (probe.GetProperty("route").GetProperty("destination").GetString(),
            probe.GetProperty("route").GetProperty("interface").GetString(), probe.GetProperty("route").GetProperty("multicast").GetBoolean()));
        var flags = probe.GetProperty("interfaceFlags");
        Assert.True(flags.GetProperty("up").GetBoolean() && flags.GetProperty("multicast").GetBoolean());
        Assert.Equal(2, probe.GetProperty("rpFilter").GetProperty("effective").GetInt32());
        Assert.Equal(16 << 20, probe.GetProperty("receiveBufferBytes").GetInt32());
        Assert.Equal(0, probe.GetProperty("uid").GetInt32());
        Assert.Contains("mcast recv: diagnosis: kernel membership on eth1 (1 socket(s), querier V3); route 224.0.0.0/4 leaves by eth1; eth1 UP,RUNNING,MULTICAST; rp_filter 2", receiver.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void As_uid_65534_the_receiver_reports_the_same_and_the_buffer_rmem_max_allowed()
    {
        RequireRoot();
        using var lab = new NamespaceLab();
        Run("ip", "netns", "exec", lab.Pod, "ip", "link", "set", "eth1", "down");
        using var receiver = NamespaceLab.McastUnprivileged(lab.Pod, "recv", "--group", "224.0.67.67%eth1", "--format", "json", "--idle-timeout", "0.5");
        Assert.Equal(0, receiver.WaitForExit(RunLimit));
        var rmemMax = long.Parse(Run("ip", "netns", "exec", lab.Pod, "cat", "/proc/sys/net/core/rmem_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);

        var probe = Event(receiver.Output, "diagnosis");
        Assert.Equal(65534, probe.GetProperty("uid").GetInt32());
        Assert.Equal("eth1", probe.GetProperty("requestedInterface").GetString());
        Assert.Equal("eth1", Assert.Single(probe.GetProperty("memberships").EnumerateArray()).GetProperty("interface").GetString());
        // No 224.0.0.0/4 route and no default route in this pod: the probe says so rather than guessing.
        Assert.Equal(JsonValueKind.Null, probe.GetProperty("route").ValueKind);
        Assert.False(probe.GetProperty("interfaceFlags").GetProperty("up").GetBoolean());
        Assert.Equal(rmemMax, probe.GetProperty("rmemMax").GetInt64());
        Assert.Equal(Math.Min(rmemMax, 16 << 20), probe.GetProperty("receiveBufferBytes").GetInt64());
        var rpFilter = long.Parse(Run("ip", "netns", "exec", lab.Pod, "cat", "/proc/sys/net/ipv4/conf/eth1/rp_filter").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(rpFilter, probe.GetProperty("rpFilter").GetProperty("interface").GetInt64());
        Assert.Contains("eth1 DOWN,MULTICAST", receiver.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void With_rcvbuf_the_receiver_asks_for_that_buffer_reports_what_the_kernel_granted_and_a_fast_stream_overflows_it()
    {
        RequireRoot();
        using var lab = new NamespaceLab();
        using var receiver = NamespaceLab.McastUnprivileged(lab.Pod, "recv", "--group", "224.0.67.67%eth1", "--rcvbuf", "1024", "--format", "json", "--idle-timeout", "2");
        Assert.True(receiver.WaitForOutput("\"event\":\"diagnosis\"", RunLimit), receiver.Error);
        Run("ip", "netns", "exec", lab.Source, NativeMcast.Require(), "send", "--group", "224.0.67.67%eth1", "--rate", "20000pps", "--duration", "1");
        Assert.Equal(0, receiver.WaitForExit(RunLimit));

        var probe = Event(receiver.Output, "diagnosis");
        Assert.Equal(1024, probe.GetProperty("receiveBufferRequestedBytes").GetInt32());
        // The kernel's minimum, never the 16 MiB default: about one datagram.
        var granted = probe.GetProperty("receiveBufferBytes").GetInt32();
        Assert.InRange(granted, 1024, 4096);
        Assert.Equal(granted, Event(receiver.Output, "joined").GetProperty("receiveBufferBytes").GetInt32());
        var summary = Event(receiver.Output, "summary");
        Assert.True(summary.GetProperty("kernelDrops").GetInt64() > 0, receiver.Output);
        Assert.Contains($"socket buffer {granted} bytes", receiver.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void On_IPv6_the_receiver_reads_igmp6_and_the_IPv6_routes()
    {
        RequireRoot();
        using var lab = new NamespaceLab();
        using var receiver = NamespaceLab.McastUnprivileged(lab.Pod, "recv", "--group", "ff15::6767%eth1", "--format", "json", "--idle-timeout", "0.5");
        Assert.Equal(0, receiver.WaitForExit(RunLimit));

        var probe = Event(receiver.Output, "diagnosis");
        Assert.Equal("ff15::6767", probe.GetProperty("group").GetString());
        Assert.Equal("eth1", Assert.Single(probe.GetProperty("memberships").EnumerateArray()).GetProperty("interface").GetString());
        // The kernel's own ff00::/8 route of the interface.
        Assert.Equal(("ff00::/8", "eth1"), (probe.GetProperty("route").GetProperty("destination").GetString(), probe.GetProperty("route").GetProperty("interface").GetString()));
        Assert.Equal(JsonValueKind.Null, probe.GetProperty("rpFilter").GetProperty("effective").ValueKind);
    }

    [Fact]
    public void The_sender_reports_the_interface_the_kernel_chose_by_route_and_its_ttl()
    {
        RequireRoot();
        using var lab = new NamespaceLab();
        Run("ip", "-n", lab.Source, "route", "add", "224.0.0.0/4", "dev", "eth1");
        using var sender = NamespaceLab.McastUnprivileged(lab.Source, "send", "--group", "224.0.67.67", "--count", "1", "--ttl", "3");
        Assert.Equal(0, sender.WaitForExit(RunLimit));

        var probe = Event(sender.Error, "diagnosis");
        Assert.Equal(("sender", "route", "eth1", "10.0.0.12", 3), (probe.GetProperty("role").GetString(), probe.GetProperty("chosenBy").GetString(),
            probe.GetProperty("outgoingInterface").GetString(), probe.GetProperty("sourceAddress").GetString(), probe.GetProperty("ttl").GetInt32()));
        Assert.Contains("mcast send: diagnosis: leaves by eth1 (chosen by the route), source 10.0.0.12, ttl 3; route 224.0.0.0/4 leaves by eth1", sender.Output, StringComparison.Ordinal);
        Assert.Contains("mcast send: 1 datagrams", sender.Output, StringComparison.Ordinal);
    }
}
