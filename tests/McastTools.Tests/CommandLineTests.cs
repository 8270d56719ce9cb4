using McastLab.McastTools.Cli;

namespace McastLab.McastTools.Tests;

/// <summary>Usage errors: one sentence, exit code 2, before any socket opens.</summary>
public sealed class CommandLineTests
{
    private static (int Code, string Error) Run(params string[] args)
    {
        using var error = new StringWriter();
        var code = CommandLine.Run(args, error, CancellationToken.None);
        return (code, error.ToString());
    }

    [Theory]
    [InlineData("recv --group 10.0.0.1", "not a multicast group")]
    [InlineData("recv --group 224.0.67.67 --port 70000", "--port 70000 is out of range; give one in 1-65535.")]
    [InlineData("recv --group 224.0.67.67 --port 0", "out of range")]
    [InlineData("recv --group 224.0.67.67 --format xml", "--format 'xml' is not known")]
    [InlineData("recv --group 224.0.67.67 --max-loss 101", "--max-loss 101 is out of range")]
    [InlineData("recv --group 224.0.67.67 --source 2001:db8::1", "different IP families")]
    [InlineData("recv --group 224.0.0.5 --source 10.0.0.12", "link-local control group")]
    [InlineData("recv --group ff02::1 --source fe80::1 --interface lo", "link-local control group")]
    [InlineData("recv --group 232.1.1.1 --source 239.1.1.1", "cannot be a multicast source")]
    [InlineData("recv --group ff02::1:3", "is link-local; name its interface")]
    [InlineData("recv --group 224.0.67.67%lo --interface eth9", "give one of them")]
    [InlineData("recv --port 5001", "needs --group")]
    [InlineData("recv --group 224.0.67.67 --bogus", "'--bogus' is not an option")]
    [InlineData("send --group 224.0.67.67 --ttl 256", "--ttl 256 is out of range; give one in 0-255")]
    [InlineData("send --group 224.0.67.67 --ttl -1", "--ttl -1 is out of range")]
    [InlineData("send --group 224.0.67.67 --tos 300", "--tos 300 is out of range")]
    [InlineData("send --group 224.0.67.67 --length 8", "--length 8 is out of range")]
    [InlineData("send --group 224.0.67.67 --rate fast", "is not a rate")]
    [InlineData("send --group 224.0.67.67 --rate NaN", "'NaN' is not a rate")]
    [InlineData("send --group 224.0.67.67 --rate NaNpps", "'NaNpps' is not a rate")]
    [InlineData("send --group 224.0.67.67 --rate Infinity", "'Infinity' is not a rate")]
    [InlineData("send --group 224.0.67.67 --rate 1e400", "'1e400' is not a rate")]
    [InlineData("send --group 224.0.67.67 --rate -1M", "'-1M' is not a rate")]
    [InlineData("send --group 224.0.67.67 --rate 1e300G", "rate '1e300G' is out of range")]
    [InlineData("send --group 224.0.67.67 --rate 2e9pps", "rate '2e9pps' is out of range")]
    [InlineData("send --group 224.0.67.67 --duration NaN", "--duration 'NaN' is not a number")]
    [InlineData("send --group 224.0.67.67 --duration Infinity", "--duration Infinity is out of range")]
    [InlineData("send --group 224.0.67.67 --duration 1e999", "--duration 1e999 is out of range")]
    [InlineData("send --group 224.0.67.67 --duration -5", "--duration -5 is out of range")]
    [InlineData("send --group 224.0.67.67 --count 0", "--count 0 is out of range")]
    [InlineData("send --group 224.0.67.67 --count 99999999999999999999", "--count 99999999999999999999 is out of range")]
    [InlineData("send --group 224.0.67.67 --count 1.5", "--count '1.5' is not a whole number")]
    [InlineData("send --group 224.0.67.67 --port -1", "--port -1 is out of range")]
    [InlineData("send --group 224.0.67.67 --length 65508", "--length 65508 is out of range")]
    [InlineData("recv --group 224.0.67.67 --interval 0.0001", "--interval 0.0001 is out of range; give 0 (summary only) or 0.001-86400.")]
    [InlineData("recv --group 224.0.67.67 --interval NaN", "--interval 'NaN' is not a number")]
    [InlineData("recv --group 224.0.67.67 --interval -1", "--interval -1 is out of range")]
    [InlineData("recv --group 224.0.67.67 --idle-timeout -Infinity", "--idle-timeout -Infinity is out of range")]
    [InlineData("recv --group 224.0.67.67 --expect-packets -1", "--expect-packets -1 is out of range")]
    [InlineData("recv --group 224.0.67.67 --max-loss NaN", "--max-loss 'NaN' is not a number")]
    [InlineData("recv --group 224.0.67.67 --rcvbuf 0", "--rcvbuf 0 is out of range; give one in 1-1073741823.")]
    [InlineData("recv --group 224.0.67.67 --rcvbuf 1073741824", "--rcvbuf 1073741824 is out of range")]
    [InlineData("recv --group 224.0.67.67 --rcvbuf 64K", "--rcvbuf '64K' is not a whole number")]
    [InlineData("recv --group 224.0.67.67%lo --leave-after 0", "--leave-after 0 is out of range")]
    [InlineData("recv --group 224.0.67.67 --leave-after 2", "--leave-after watches the join interface's counters, so name it with --interface IF or --group G%IF.")]
    [InlineData("recv --group 224.0.67.67%lo --groups 3 --leave-after 2", "--leave-after leaves one group; give a single --group")]
    [InlineData("iperf -s -u -B 224.0.67.67 -t NaN", "--time 'NaN' is not a number")]
    [InlineData("iperf -s -u -B 224.0.67.67 -i 1e-9", "--interval 1e-9 is out of range")]
    [InlineData("iperf -c 224.0.67.67 -u -b NaN", "'NaN' is not a rate")]
    [InlineData("iperf -c 224.0.67.67 -u -l 70000", "--len 70000 is out of range")]
    [InlineData("iperf -c 224.0.67.67 -u -p 70000", "--port 70000 is out of range")]
    [InlineData("pong --port 5001", "'mcast pong' needs --group")]
    [InlineData("pong --group 10.0.0.1", "not a multicast group")]
    [InlineData("pong --group 224.0.67.67 --idle-timeout 0", "--idle-timeout 0 is out of range")]
    [InlineData("pong --group 224.0.67.67 --rtt", "'--rtt' is not an option of 'mcast pong'")]
    [InlineData("send --group 224.0.67.67 --rtt yes", "'yes' is not an option of 'mcast send'")]
    [InlineData("send --group 224.0.67.67 --count 5 --duration 1", "either --duration or --count")]
    [InlineData("send --group 224.0.67.67 --interface lo --bind 127.0.0.1", "either --interface or --bind")]
    [InlineData("send --group 224.0.67.67 --bind 192.0.2.77", "is not an address of this host")]
    [InlineData("send --group 224.0.67.67 --bind ::1", "different IP families")]
    [InlineData("send --group 224.0.67.67 --port", "needs a value")]
    [InlineData("iperf -u -B 224.0.67.67", "exactly one of -s")]
    [InlineData("iperf -s -u", "needs -B G[%IF]")]
    [InlineData("iperf -c 224.0.67.67 -u -T 300", "out of range")]
    [InlineData("frobnicate", "is not a command")]
    public void Usage_errors_exit_2_with_one_sentence(string args, string expected)
    {
        var (code, error) = Run(args.Split(' '));

        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void An_unknown_interface_lists_the_existing_ones()
    {
        var (code, error) = Run("recv", "--group", "224.0.67.67%nosuch0");

        Assert.Equal(2, code);
        Assert.Contains("unknown interface 'nosuch0'; existing interfaces:", error, StringComparison.Ordinal);
        Assert.Contains("lo", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recv")]
    [InlineData("send")]
    [InlineData("iperf")]
    [InlineData("pong")]
    public void Every_command_has_help_that_covers_each_option(string command)
    {
        var original = Console.Out;
        using var output = new StringWriter();
        Console.SetOut(output);
        int code;
        try
        {
            code = CommandLine.Run([command, "--help"], TextWriter.Null, CancellationToken.None);
        }
        finally
        {
            Console.SetOut(original);
        }

        var options = command switch
        {
            "recv" => RecvCommand.Options,
            "send" => SendCommand.Options,
            "pong" => PongCommand.Options,
            _ => IperfCommand.Options,
        };
        Assert.Equal(0, code);
        Assert.All(options, o => Assert.Contains("--" + o.Name, output.ToString(), StringComparison.Ordinal));
        Assert.Contains("130", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Iperf_client_flags_map_onto_a_send_plan()
    {
        var options = IperfGetopt.Parse(IperfCommand.Options, ["-c", "224.0.67.67", "-u", "--ttl", "5", "-t", "5", "-b", "10m", "-l", "1000", "-p", "5002"]);

        var plan = IperfCommand.ClientPlan(options);

        Assert.Equal((5, 5.0, 1000, 5002), (plan.Endpoint.Ttl, plan.DurationSeconds!.Value, plan.Length, plan.Endpoint.Port));
        Assert.Equal(10e6, plan.Rate.BitsPerSecond);
    }

    [Fact]
    public void Iperf_server_flags_map_onto_a_persistent_receive_plan()
    {
        var options = IperfGetopt.Parse(IperfCommand.Options, ["-s", "-u", "-B", "224.0.67.67%lo", "-i", "1"]);

        var plan = IperfCommand.ServerPlan(options);

        Assert.True(plan.Persistent);
        Assert.Equal(("lo", 1.0, 5001), (plan.Endpoint.Interface!.Name, plan.IntervalSeconds, plan.Endpoint.Port));
    }

    [Fact]
    public void Defaults_follow_iperf()
    {
        var v4 = SendCommand.Plan(ParsedOptions.Parse("send", SendCommand.Options, ["--group", "224.0.67.67"]));
        var v6 = SendCommand.Plan(ParsedOptions.Parse("send", SendCommand.Options, ["--group", "ff05::6767"]));

        Assert.Equal((1470, 1, 5001, 10.0, 1_048_576.0), (v4.Length, v4.Endpoint.Ttl, v4.Endpoint.Port, v4.DurationSeconds!.Value, v4.Rate.BitsPerSecond));
        Assert.Equal(1450, v6.Length);
    }
}
