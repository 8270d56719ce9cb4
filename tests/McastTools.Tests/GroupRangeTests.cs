using System.Net;
using McastLab.McastTools.Cli;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Tests;

/// <summary>Group ranges (G1-G2), the count form (--groups N), and how a sender spreads ids over groups.</summary>
public sealed class GroupRangeTests
{
    [Fact]
    public void A_range_holds_every_group_from_its_first_to_its_last()
    {
        var range = GroupAddress.Parse("239.1.1.1-239.1.1.64%eth1");

        Assert.Equal(64, range.Count);
        Assert.Equal("eth1", range.InterfaceName);
        Assert.Equal(IPAddress.Parse("239.1.1.64"), range.Last);
        Assert.Equal("239.1.1.1-239.1.1.64", range.Describe());
        Assert.Equal(Enumerable.Range(1, 64).Select(i => IPAddress.Parse($"239.1.1.{i}")), range.Members);
    }

    [Fact]
    public void A_range_crosses_octets_and_works_for_IPv6()
    {
        Assert.Equal(IPAddress.Parse("239.1.2.3"), GroupAddress.Parse("239.1.1.250").WithCount(10).Last);
        var v6 = GroupAddress.Parse("ff15::fffe-ff15::1:1");
        Assert.Equal(4, v6.Count);
        Assert.Equal([IPAddress.Parse("ff15::fffe"), IPAddress.Parse("ff15::ffff"), IPAddress.Parse("ff15::1:0"), IPAddress.Parse("ff15::1:1")], v6.Members);
    }

    [Fact]
    public void The_count_form_equals_the_range_form()
    {
        var counted = GroupAddress.Parse("239.1.1.1").WithCount(64);
        Assert.Equal(GroupAddress.Parse("239.1.1.1-239.1.1.64"), counted);
        Assert.Equal(GroupAddress.Parse("239.1.1.1"), GroupAddress.Parse("239.1.1.1-239.1.1.1"));
    }

    [Theory]
    [InlineData("recv --group 239.1.1.64-239.1.1.1", "runs backwards; write the lower group first, e.g. 239.1.1.1-239.1.1.64.")]
    [InlineData("recv --group 239.1.1.1-ff15::1", "mixes IPv4 and IPv6")]
    [InlineData("recv --group 239.1.1.1-10.0.0.1", "'10.0.0.1' is not a multicast group")]
    [InlineData("recv --group 239.1.1.1-", "'239.1.1.1-' is not a multicast group")]
    [InlineData("recv --group 239.1.0.0-239.1.255.255", "holds more than 1024 groups")]
    [InlineData("recv --group 239.1.1.1-239.1.1.4 --groups 4", "already a range; give either a range or --groups")]
    [InlineData("recv --group 239.1.1.1 --groups 0", "--groups 0 is out of range; give one in 1-1024.")]
    [InlineData("recv --group 239.1.1.1 --groups 1025", "--groups 1025 is out of range")]
    [InlineData("send --group 239.255.255.250 --groups 10", "runs past the multicast range")]
    [InlineData("recv --group 224.0.0.250-224.0.1.5 --source 10.0.0.12", "group 224.0.0.250 is a link-local control group")]
    [InlineData("send --group 239.1.1.1-239.1.1.3 --rtt", "--rtt measures one group; give a single group instead of the range 239.1.1.1-239.1.1.3.")]
    [InlineData("pong --group 239.1.1.1-239.1.1.2", "mcast pong answers on one group")]
    [InlineData("recv --group 239.1.1.1-239.1.1.3 --metrics 9464", "--metrics '9464' is not ADDR:PORT")]
    [InlineData("recv --group 239.1.1.1-239.1.1.3 --metrics ::1", "--metrics '::1' is not ADDR:PORT")]
    [InlineData("recv --group 239.1.1.1-239.1.1.3 --metrics 0.0.0.0:70000", "is not ADDR:PORT")]
    public void A_wrong_range_or_count_is_one_sentence_and_exit_code_2(string commandLine, string expected)
    {
        using var error = new StringWriter();

        var code = CommandLine.Run(commandLine.Split(' '), error, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void The_count_form_reaches_the_receive_and_send_plans()
    {
        var (recv, _) = RecvCommand.Plan(ParsedOptions.Parse("recv", RecvCommand.Options, ["--group", "239.1.1.1", "--groups", "64"]));
        var send = SendCommand.Plan(ParsedOptions.Parse("send", SendCommand.Options, ["--group", "ff15::1-ff15::40"]));

        Assert.Equal((64, "239.1.1.64"), (recv.Endpoint.Group.Count, recv.Endpoint.Group.Last.ToString()));
        Assert.Equal((64, "ff15::40"), (send.Endpoint.Group.Count, send.Endpoint.Group.Last.ToString()));
    }

    [Fact]
    public void Metrics_without_a_duration_make_a_receiver_that_keeps_listening()
    {
        var (monitor, _) = RecvCommand.Plan(ParsedOptions.Parse("recv", RecvCommand.Options, ["--group", "239.1.1.1", "--metrics", "127.0.0.1:9464"]));
        var (bounded, _) = RecvCommand.Plan(ParsedOptions.Parse("recv", RecvCommand.Options, ["--group", "239.1.1.1", "--metrics", "[::1]:9464", "--duration", "5"]));
        var (plain, _) = RecvCommand.Plan(ParsedOptions.Parse("recv", RecvCommand.Options, ["--group", "239.1.1.1"]));

        Assert.Equal((true, null), (monitor.Persistent, monitor.DurationSeconds));
        Assert.False(bounded.Persistent);
        Assert.False(plain.Persistent);
    }

    [Fact]
    public void Round_robin_gives_each_group_its_own_ids_from_1_without_gaps()
    {
        var placed = Enumerable.Range(1, 10).Select(n => BatchSender.Place(n, 3)).ToList();

        Assert.Equal([(0, 1L), (1, 1L), (2, 1L), (0, 2L), (1, 2L), (2, 2L), (0, 3L), (1, 3L), (2, 3L), (0, 4L)], placed);
        Assert.Equal((0, 7L), BatchSender.Place(7, 1));
    }
}
