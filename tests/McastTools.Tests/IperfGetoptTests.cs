using System.Globalization;
using McastLab.McastTools.Cli;

namespace McastLab.McastTools.Tests;

/// <summary>
/// `mcast iperf` reads its arguments as iperf 2.1.8's getopt_long does. The forms and what iperf understood
/// from each were captured from the real binary (TestData/iperf218-getopt-forms.txt, command in its header).
/// </summary>
public sealed class IperfGetoptTests
{
    private sealed record Capture(string[] Arguments, List<string> Output);

    private static List<Capture> Captures(string file)
    {
        var captures = new List<Capture>();
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "TestData", file)))
        {
            if (line.StartsWith('#') && !line.StartsWith("# received: ", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("$ iperf ", StringComparison.Ordinal))
            {
                captures.Add(new Capture(line["$ iperf ".Length..].Split(' '), []));
            }
            else
            {
                captures[^1].Output.Add(line);
            }
        }

        return captures;
    }

    public static TheoryData<int> GetoptForms => [.. Enumerable.Range(0, Captures("iperf218-getopt-forms.txt").Count)];

    [Theory]
    [MemberData(nameof(GetoptForms))]
    public void Each_form_iperf_accepts_means_the_same_to_mcast(int index)
    {
        var capture = Captures("iperf218-getopt-forms.txt")[index];
        var said = string.Join('\n', capture.Output);
        var options = IperfGetopt.Parse(IperfCommand.Options, capture.Arguments);

        if (options.Has("client"))
        {
            var plan = IperfCommand.ClientPlan(options);
            Assert.Contains($"Client connecting to {plan.Endpoint.Group.Address}, UDP port {plan.Endpoint.Port}", said, StringComparison.Ordinal);
            var gap = 1e6 / plan.Rate.PacketsPerSecondFor(plan.Length);
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"Sending {plan.Length} byte datagrams, IPG target: {gap:0.00} us"), said, StringComparison.Ordinal);
            Assert.Equal(0.2, plan.DurationSeconds);
            Assert.Equal(7, plan.Endpoint.Ttl);
        }
        else
        {
            var plan = IperfCommand.ServerPlan(options);
            Assert.Contains($"Server listening on UDP port {plan.Endpoint.Port}", said, StringComparison.Ordinal);
            var sourceAndGroup = plan.Endpoint.Source is null ? $"(*,G)=*,{plan.Endpoint.Group.Address}" : $"(S,G)={plan.Endpoint.Source},{plan.Endpoint.Group.Address}";
            Assert.Contains($"Joining multicast {sourceAndGroup} w/iface {plan.Endpoint.Interface!.Name}", said, StringComparison.Ordinal);
            Assert.Equal(0.3, plan.DurationSeconds);
        }
    }

    [Theory]
    [InlineData("-su -B224.0.67.67%lo", "-s -u -B 224.0.67.67%lo")]
    [InlineData("-sui1 -B 224.0.67.67%lo", "-s -u -i 1 -B 224.0.67.67%lo")]
    [InlineData("--server --udp --bin=224.0.67.67%lo --int 1", "-s -u -B 224.0.67.67%lo -i 1")]
    [InlineData("-s -u -B 224.0.67.67%lo --", "-s -u -B 224.0.67.67%lo")]
    [InlineData("-s -u -B 224.0.67.67%lo -p 5002 -p5003", "-s -u -B 224.0.67.67%lo -p 5003")]
    public void Combined_attached_abbreviated_and_repeated_options_read_like_the_spaced_form(string written, string spaced)
    {
        var a = IperfCommand.ServerPlan(IperfGetopt.Parse(IperfCommand.Options, written.Split(' ')));
        var b = IperfCommand.ServerPlan(IperfGetopt.Parse(IperfCommand.Options, spaced.Split(' ')));

        Assert.Equal((b.Endpoint.Group.Address, b.Endpoint.Port, b.Endpoint.Interface?.Name, b.IntervalSeconds), (a.Endpoint.Group.Address, a.Endpoint.Port, a.Endpoint.Interface?.Name, a.IntervalSeconds));
    }

    [Fact]
    public void A_value_is_the_next_argument_even_when_it_starts_with_a_dash()
    {
        // getopt takes the argument after -B whatever it looks like; the address check then refuses it.
        var error = Assert.Throws<UsageException>(() => IperfCommand.ServerPlan(IperfGetopt.Parse(IperfCommand.Options, ["-s", "-B", "-u"])));
        Assert.Contains("-u", error.Message, StringComparison.Ordinal);
    }

    /// <summary>What iperf 2.1.8 said for each (captured with `iperf -s -u -B 224.0.67.67 -t 1 ARGS`): it warns and runs on; mcast stops.</summary>
    [Theory]
    [InlineData("-q", "'-q' is not an iperf option")] // iperf: invalid option -- q
    [InlineData("--bogus", "'--bogus' is not an iperf option")] // iperf: unrecognized option `--bogus'
    [InlineData("--t 1", "'--t' is ambiguous")] // iperf: option `--t' is ambiguous
    [InlineData("--b 224.0.67.67", "'--b' is ambiguous")] // iperf: option `--b' is ambiguous
    [InlineData("--ud", "'--ud' is ambiguous (--udp, --udp-histogram)")] // iperf: option `--ud' is ambiguous
    [InlineData("-p", "option -p needs a value")] // iperf: option requires an argument -- p
    [InlineData("extra", "'extra' is not an option")] // iperf: ignoring extra argument -- extra
    [InlineData("-- -c 1.2.3.4", "'-c' after '--' is not an option")] // iperf: ignoring extra argument -- -c
    [InlineData("-r", "iperf's '-r' is not supported")] // a real iperf option mcast does not implement
    [InlineData("--udp=1", "option '--udp' takes no value")]
    public void Forms_iperf_only_warns_about_stop_mcast_with_one_sentence(string extra, string expected)
    {
        using var error = new StringWriter();
        var code = CommandLine.Run(["iperf", "-s", "-u", "-B", "224.0.67.67", .. extra.Split(' ')], error, CancellationToken.None);

        Assert.Equal(2, code);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.Single(error.ToString().TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("-sh")]
    [InlineData("--help")]
    [InlineData("--he")]
    public void Help_is_found_where_getopt_finds_it(string flag) =>
        Assert.True(IperfGetopt.Parse(IperfCommand.Options, ["-u", flag]).HelpRequested);

    public static TheoryData<int> ClientRuns => [.. Enumerable.Range(0, Captures("iperf218-client-summary.txt").Count)];

    /// <summary>iperf's "Sent N" is the data datagrams (counted on the wire by id) plus two; its transfer counts one more than the data.</summary>
    [Theory]
    [MemberData(nameof(ClientRuns))]
    public void The_client_summary_counts_as_iperf_does(int index)
    {
        var capture = Captures("iperf218-client-summary.txt")[index];
        var received = long.Parse(capture.Output.Single(l => l.StartsWith("# received: ", StringComparison.Ordinal))["# received: ".Length..], CultureInfo.InvariantCulture);
        var interval = capture.Output.Single(l => l.Contains(" sec ", StringComparison.Ordinal));
        var seconds = double.Parse(interval[(interval.IndexOf('-', StringComparison.Ordinal) + 1)..interval.IndexOf(" sec", StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        var length = IperfCommand.ClientPlan(IperfGetopt.Parse(IperfCommand.Options, capture.Arguments)).Length;

        var ours = IperfCommand.ClientSummary(received, length, seconds).ToList();

        var theirs = capture.Output.Where(l => l.StartsWith("[ ID]", StringComparison.Ordinal) || l.StartsWith("[  1] 0.", StringComparison.Ordinal) || l.StartsWith("[  1] Sent", StringComparison.Ordinal));
        Assert.Equal(theirs, ours);
    }
}
