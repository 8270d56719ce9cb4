using McastLab.McastTools.Sockets;
using System.Net.Sockets;

namespace McastLab.McastTools.Cli;

/// <summary>Dispatches `mcast send|recv|iperf` and maps errors to exit codes (2 for usage errors).</summary>
internal static class CommandLine
{
    public const string Usage =
        "usage: mcast <command> [options]\n\n" +
        "commands:\n" +
        "  recv    join a multicast group and account for every sender (mcast recv --help)\n" +
        "  send    send iperf 2.1.8-compatible multicast datagrams (mcast send --help)\n" +
        "  iperf   iperf 2 flags and iperf-style output (mcast iperf --help)\n" +
        "  pong    answer each datagram to its sender, for send --rtt (mcast pong --help)\n";

    public static int Run(string[] args, TextWriter error, CancellationToken cancel)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            Console.Out.Write(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var rest = args[1..];
        try
        {
            return args[0] switch
            {
                "recv" => RecvCommand.Run(rest, cancel),
                "send" => SendCommand.Run(rest, cancel),
                "iperf" => IperfCommand.Run(rest, cancel),
                "pong" => PongCommand.Run(rest, cancel),
                _ => throw new UsageException($"'{args[0]}' is not a command; use recv, send, iperf or pong (mcast --help)."),
            };
        }
        catch (UsageException e)
        {
            error.WriteLine($"mcast: {e.Message}");
            return 2;
        }
        catch (MembershipRefusedException e)
        {
            error.WriteLine($"mcast: {e.Message}");
            return 3;
        }
        catch (SocketException e)
        {
            error.WriteLine($"mcast: socket error: {e.Message} ({e.SocketErrorCode}); check the interface, group and addresses.");
            return 3;
        }
    }
}
