using System.Globalization;
using System.Text.Json;

namespace McastLab.McastTools.Tests;

/// <summary>
/// Many groups in one run, in network namespaces shaped like the lab (the receiver on a macvlan child): one
/// sender spreads datagrams round robin over a range, one receiver joins it on as many sockets as the
/// kernel's per-socket membership limit (a per-namespace sysctl) needs and accounts for every group apart.
/// </summary>
public sealed class ManyGroupsTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

    private static void RequireLab()
    {
        Assert.SkipUnless(NamespaceLab.IsRoot, "many-group tests create network namespaces and need root");
        NativeMcast.Require();
    }

    private static void Sysctl(string ns, string setting)
    {
        using var sysctl = new LabProcess(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", setting]);
        Assert.True(sysctl.WaitForExit(RunLimit) == 0, $"sysctl -w {setting} failed: {sysctl.Error}");
    }

    private static List<JsonElement> Events(string output, string kind) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(e => e.GetProperty("event").GetString() == kind)];

    /// <summary>Sends <paramref name="perGroup"/> datagrams to each of 64 groups and returns the receiver's summaries.</summary>
    private static (List<JsonElement> Summaries, string Error) SendToSixtyFourGroups(NamespaceLab lab, int perGroup, string? refusedJoin = null)
    {
        using var receiver = NamespaceLab.Mcast(lab.Pod, "recv", "--group", "239.1.1.1-239.1.1.64%eth1", "--format", "json", "--interval", "0", "--idle-timeout", "10");
        Assert.True(receiver.WaitForOutput("mcast recv: joined", Startup, orError: true), $"receiver did not start: {receiver.Error}");

        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "239.1.1.1", "--groups", "64", "--interface", "eth1", "--count", (64 * perGroup).ToString(CultureInfo.InvariantCulture), "--rate", "8000pps");
        Assert.Equal(0, sender.WaitForExit(RunLimit));
        Assert.Contains($"mcast send: {64 * perGroup} datagrams", sender.Output, StringComparison.Ordinal);
        Assert.Contains("to 64 groups 239.1.1.1-239.1.1.64 port 5001 (round robin)", sender.Output, StringComparison.Ordinal);
        Assert.Equal(0, receiver.WaitForExit(RunLimit));
        return (Events(receiver.Output, "summary"), receiver.Error);
    }

    private static void AssertEveryGroupCountedApart(List<JsonElement> summaries, int perGroup)
    {
        var groups = summaries.Select(s => s.GetProperty("group").GetString()).ToList();
        Assert.Equal(Enumerable.Range(1, 64).Select(i => $"239.1.1.{i}").Order(StringComparer.Ordinal), groups.Order(StringComparer.Ordinal));
        AssertEachGroupAccountsForItsDatagrams(summaries, perGroup);
        Assert.All(summaries, s => Assert.StartsWith("10.0.0.12:", s.GetProperty("source").GetString(), StringComparison.Ordinal));
    }

    /// <summary>
    /// Every group accounts for exactly what was sent to it: received plus lost, none twice. A loaded machine
    /// may drop a datagram before any socket (a veth's backlog; seen once at load 30), so a little loss is
    /// allowed over the run; a datagram counted under the wrong group still breaks a group's sum.
    /// </summary>
    private static void AssertEachGroupAccountsForItsDatagrams(List<JsonElement> summaries, int perGroup)
    {
        foreach (var summary in summaries)
        {
            var (received, lost, duplicates) = (summary.GetProperty("received").GetInt64(), summary.GetProperty("lost").GetInt64(), summary.GetProperty("duplicates").GetInt64());
            Assert.True(received + lost == perGroup && duplicates == 0, $"group {summary.GetProperty("group").GetString()}: {summary}");
        }

        var totalLost = summaries.Sum(s => s.GetProperty("lost").GetInt64());
        Assert.True(totalLost * 100 <= summaries.Count * perGroup, $"{totalLost} of {summaries.Count * perGroup} datagrams lost: more than 1 %");
    }

    [Fact]
    public void Sixty_four_groups_in_one_run_are_each_counted_on_the_default_limit_of_20_per_socket()
    {
        RequireLab();
        using var lab = new NamespaceLab();

        var (summaries, error) = SendToSixtyFourGroups(lab, perGroup: 100);

        AssertEveryGroupCountedApart(summaries, 100);
        Assert.Contains("the kernel took 20 groups per socket (net.ipv4.igmp_max_memberships = 20), so the 64 groups are joined on 4 sockets.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lower_membership_limit_in_the_namespace_takes_more_sockets_and_loses_nothing()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        Sysctl(lab.Pod, "net.ipv4.igmp_max_memberships=5");

        var (summaries, error) = SendToSixtyFourGroups(lab, perGroup: 50);

        AssertEveryGroupCountedApart(summaries, 50);
        Assert.Contains("the kernel took 5 groups per socket (net.ipv4.igmp_max_memberships = 5), so the 64 groups are joined on 13 sockets.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_limit_of_zero_is_refused_in_one_sentence_that_names_it()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        Sysctl(lab.Pod, "net.ipv4.igmp_max_memberships=0");

        using var receiver = NamespaceLab.Mcast(lab.Pod, "recv", "--group", "239.1.1.1-239.1.1.64%eth1", "--idle-timeout", "1");

        Assert.Equal(3, receiver.WaitForExit(RunLimit));
        Assert.Equal(
            "mcast: the kernel refused to join 239.1.1.1 on a socket that holds no group yet (net.ipv4.igmp_max_memberships = 0), so no socket can join it; raise the limit in this network namespace, e.g. 'sysctl -w net.ipv4.igmp_max_memberships=20'.\n",
            receiver.Error);
    }

    [Fact]
    public void An_IPv6_range_reaches_a_receiver_that_reports_silent_groups()
    {
        RequireLab();
        using var lab = new NamespaceLab();
        using var receiver = NamespaceLab.Mcast(lab.Pod, "recv", "--group", "ff15::1-ff15::10%eth1", "--format", "json", "--interval", "0", "--idle-timeout", "10");
        Assert.True(receiver.WaitForOutput("mcast recv: joined", Startup, orError: true), $"receiver did not start: {receiver.Error}");

        // Twelve of the receiver's sixteen groups carry traffic; the last four stay silent.
        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "ff15::1", "--groups", "12", "--interface", "eth1", "--count", "1200", "--rate", "4000pps");
        Assert.Equal(0, sender.WaitForExit(RunLimit));
        Assert.Equal(0, receiver.WaitForExit(RunLimit));

        var summaries = Events(receiver.Output, "summary");
        Assert.Equal(Enumerable.Range(1, 12).Select(i => $"ff15::{i:x}").Order(StringComparer.Ordinal), summaries.Select(s => s.GetProperty("group").GetString()).Order(StringComparer.Ordinal));
        AssertEachGroupAccountsForItsDatagrams(summaries, 100);
        var end = Assert.Single(Events(receiver.Output, "end"));
        Assert.Equal(["ff15::d", "ff15::e", "ff15::f", "ff15::10"], end.GetProperty("silentGroups").EnumerateArray().Select(g => g.GetString()));
    }
}
