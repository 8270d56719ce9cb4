using McastLab.McastTools.Receive;
using McastLab.McastTools.Reports;

namespace McastLab.McastTools.Cli;

/// <summary>`mcast recv`: join a group and account for every stream.</summary>
internal static class RecvCommand
{
    public static readonly OptionSpec[] Options =
    [
        new("group", "G[%IF]", "multicast group to join (IPv4 224.0.0.0/4 or IPv6 ff00::/8); %IF names the interface (required)"),
        EndpointOptions.Port,
        new("interface", "IF", "interface to join on (default: the kernel's choice by route)"),
        new("source", "S", "join source-specific (IGMPv3/MLDv2 (S,G)): only datagrams from S are delivered (default: any source)"),
        new("interval", "SECONDS", "report every SECONDS per stream; 0 reports only the summary (default 1)"),
        new("duration", "SECONDS", "stop after SECONDS (default: no limit)"),
        new("idle-timeout", "SECONDS", "stop after SECONDS without any datagram (default: no limit)"),
        new("format", "text|json|csv", "output format (default text); json is one object per line, see README"),
        new("expect-packets", "N", "fail (exit 1) unless at least N distinct datagrams arrive, over all streams"),
        new("max-loss", "PCT", "fail (exit 1) when a stream loses more than PCT percent"),
    ];

    public const string Description =
        "Receives iperf 2 / mcast send datagrams and accounts for each sender (address:port) as its own stream:\n" +
        "received, bytes, lost, out-of-order, duplicates, invalid, jitter, TTL, kernel drops, and one-way latency\n" +
        "(sender timestamp to the kernel's receive timestamp: avg, p50, p90, p99, p99.9, p99.99, max, per interval\n" +
        "too; withheld when the clocks disagree; across hosts use send --rtt with mcast pong).\n" +
        "Ends at --duration, after --idle-timeout, when every stream has sent its end-of-test datagram, or on\n" +
        "Ctrl+C/SIGTERM, always printing the final report.";

    public const string ExitCodes =
        "exit codes: 0 success; 1 --expect-packets or --max-loss not met (or nothing received when expected);\n" +
        "2 usage error (nothing opened); 3 socket error at run time; 130 interrupted by Ctrl+C/SIGTERM (after the final report).";

    public static int Run(IReadOnlyList<string> args, CancellationToken cancel)
    {
        var options = ParsedOptions.Parse("recv", Options, args);
        if (options.HelpRequested)
        {
            Console.Out.Write(HelpText.Render("mcast recv --group G[%IF] [options]", Description, Options, ExitCodes));
            return 0;
        }

        var (plan, format) = Plan(options);
        var sink = Sink(format);
        return new Receiver(plan, sink).Run(cancel).ExitCode;
    }

    public static (ReceivePlan Plan, string Format) Plan(ParsedOptions options)
    {
        var port = EndpointOptions.ReadPort(options);
        var format = options.Value("format") ?? "text";
        if (format is not ("text" or "json" or "csv"))
        {
            throw new UsageException($"--format '{format}' is not known; use text, json or csv.");
        }

        var interval = options.Interval("interval") ?? 1;
        var duration = options.Number("duration", 0.001, 1e9);
        var idle = options.Number("idle-timeout", 0.001, 1e9);
        long? expect = options.Has("expect-packets") ? options.Integer("expect-packets", 0, 0, long.MaxValue) : null;
        var maxLoss = options.Number("max-loss", 0, 100);
        var endpoint = EndpointResolver.Receive(options.Required("group", "recv"), options.Value("interface"), options.Value("source"), port);
        return (new ReceivePlan(endpoint, interval, duration, idle, expect, maxLoss), format);
    }

    private static IReportSink Sink(string format) => format switch
    {
        "json" => new JsonReport(Console.OpenStandardOutput(), Console.Error),
        "csv" => new CsvReport(Console.Out, Console.Error),
        _ => new TextReport(Console.Out),
    };
}
