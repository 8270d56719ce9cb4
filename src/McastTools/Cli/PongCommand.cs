using System.Globalization;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Reply;

namespace McastLab.McastTools.Cli;

/// <summary>`mcast pong`: answer every datagram on a group to its sender, for `mcast send --rtt`.</summary>
internal static class PongCommand
{
    public static readonly OptionSpec[] Options =
    [
        new("group", "G[%IF]", "multicast group to join (required); %IF names the interface"),
        EndpointOptions.Port,
        JoinOptions.Interface,
        JoinOptions.Source,
        JoinOptions.Duration,
        JoinOptions.IdleTimeout,
    ];

    public const string Description =
        "Joins the group and sends every datagram back, unchanged, to its sender's address and port (unicast,\n" +
        "from the group's port), so `mcast send --rtt` measures the round trip on the sender's own clock: no\n" +
        "clock synchronisation between hosts is needed. Runs until Ctrl+C/SIGTERM, --duration or --idle-timeout,\n" +
        "then prints how many datagrams it answered.";

    public const string ExitCodes = "exit codes: 0 success; 2 usage error (nothing opened); 3 socket error at run time; 130 interrupted by Ctrl+C/SIGTERM.";

    public static int Run(IReadOnlyList<string> args, CancellationToken cancel)
    {
        if (HelpText.ParseOrPrint("pong", "mcast pong --group G[%IF] [options]", Description, Options, ExitCodes, args) is not { } options)
        {
            return 0;
        }

        var result = new Responder(Plan(options), Console.Out).Run(cancel);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mcast pong: answered {result.Answered} datagrams from {result.Senders} sender(s) in {result.Seconds:0.000} s ({result.Reason})"));
        return result.ExitCode;
    }

    public static ReceivePlan Plan(ParsedOptions options)
    {
        var (duration, idle) = JoinOptions.ReadStop(options);
        var endpoint = JoinOptions.ReadEndpoint(options, "pong");
        if (endpoint.Group.Count > 1)
        {
            throw new UsageException($"mcast pong answers on one group; give a single group instead of the range {endpoint.Group.Describe()}.");
        }

        return new ReceivePlan(endpoint, 0, duration, idle, null, null, Persistent: true);
    }
}
