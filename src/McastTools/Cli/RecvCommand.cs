using McastLab.McastTools.Receive;
using McastLab.McastTools.Reports;

namespace McastLab.McastTools.Cli;

/// <summary>`mcast recv`: join a group and account for every stream.</summary>
internal static class RecvCommand
{
    public static readonly OptionSpec[] Options =
    [
        new("group", "G[-G2][%IF]", "multicast group to join (IPv4 224.0.0.0/4 or IPv6 ff00::/8), or the range G-G2 of consecutive groups; %IF names the interface (required)"),
        EndpointOptions.Groups,
        EndpointOptions.Port,
        JoinOptions.Interface,
        JoinOptions.Source,
        new("interval", "SECONDS", "report every SECONDS per stream; 0 reports only the summary (default 1)"),
        JoinOptions.Duration,
        JoinOptions.IdleTimeout,
        new("format", "text|json|csv", "output format (default text); json is one object per line, see README"),
        new("expect-packets", "N", "fail (exit 1) unless at least N distinct datagrams arrive, over all streams"),
        new("max-loss", "PCT", "fail (exit 1) when a stream loses more than PCT percent"),
        new("leave-after", "SECONDS", "leave the group SECONDS after joining, while the stream may still run, then watch the join interface's received bytes (/proc/net/dev) and report when frames of the stream's size stopped (the \"left\" event): a snooping switch's leave latency; on a flooding segment they never stop. Needs the interface and one group; --idle-timeout then counts from the last frame"),
        new("rcvbuf", "BYTES", "socket receive buffer to ask for, 1-1073741823 (SO_RCVBUFFORCE, else SO_RCVBUF capped at net.core.rmem_max); no less than the kernel's minimum (about one datagram) is granted; the joined and diagnosis events say what it granted (default 16777216)"),
        new("metrics", "ADDR:PORT", "serve Prometheus metrics at http://ADDR:PORT/metrics while running; without --duration, run until Ctrl+C/SIGTERM"),
    ];

    public const string Description =
        "Receives iperf 2 / mcast send datagrams and accounts for each sender (address:port) to each group as its own\n" +
        "stream: received, bytes, lost, out-of-order, duplicates, invalid, jitter, TTL, kernel drops, and one-way latency\n" +
        "(sender timestamp to the kernel's receive timestamp: avg, p50, p90, p99, p99.9, p99.99, max, per interval\n" +
        "too; withheld when the clocks disagree; across hosts use send --rtt with mcast pong).\n" +
        "Ends at --duration, after --idle-timeout, when every stream has sent its end-of-test datagram, or on\n" +
        "Ctrl+C/SIGTERM, always printing the final report. With --metrics and no --duration it is a feed monitor:\n" +
        "it reports each stream when it ends and keeps listening. Many groups (a range or --groups N) are joined on\n" +
        "as many sockets as the kernel's per-socket limit (net.ipv4.igmp_max_memberships, 20 by default) needs.";

    public const string ExitCodes =
        "exit codes: 0 success; 1 --expect-packets or --max-loss not met (or nothing received when expected);\n" +
        "2 usage error (nothing opened); 3 socket error at run time or a group membership the kernel refuses; 130 interrupted by Ctrl+C/SIGTERM (after the final report).";

    public static int Run(IReadOnlyList<string> args, CancellationToken cancel)
    {
        if (HelpText.ParseOrPrint("recv", "mcast recv --group G[-G2][%IF] [options]", Description, Options, ExitCodes, args) is not { } options)
        {
            return 0;
        }

        var (plan, format) = Plan(options);
        var sink = Sink(format);
        if (options.Value("metrics") is not { } metricsText)
        {
            return new Receiver(plan, sink).Run(cancel).ExitCode;
        }

        var board = new Metrics.MetricsBoard();
        using var server = Metrics.MetricsServer.Start(Metrics.MetricsServer.Parse(metricsText), () => Metrics.ReceiverMetrics.Render(board.Fresh(TimeSpan.FromSeconds(2))));
        Console.Error.WriteLine($"mcast recv: metrics at http://{server.Endpoint}/metrics");
        return new Receiver(plan, sink) { Metrics = board }.Run(cancel).ExitCode;
    }

    public static (ReceivePlan Plan, string Format) Plan(ParsedOptions options)
    {
        var format = options.Value("format") ?? "text";
        if (format is not ("text" or "json" or "csv"))
        {
            throw new UsageException($"--format '{format}' is not known; use text, json or csv.");
        }

        var interval = options.Interval("interval") ?? 1;
        var (duration, idle) = JoinOptions.ReadStop(options);
        long? expect = options.Has("expect-packets") ? options.Integer("expect-packets", 0, 0, long.MaxValue) : null;
        var maxLoss = options.Number("max-loss", 0, 100);
        // The kernel doubles the value for its bookkeeping into an int: half of int.MaxValue is the most it takes.
        var bufferBytes = (int)options.Integer("rcvbuf", Sockets.MulticastSockets.BufferBytes, 1, int.MaxValue / 2);
        var endpoint = JoinOptions.ReadEndpoint(options, "recv", EndpointOptions.ReadGroupCount(options));
        var leaveAfter = options.Number("leave-after", 0.001, 1e9);
        if (leaveAfter is not null && endpoint.Interface is null)
        {
            throw new UsageException("--leave-after watches the join interface's counters, so name it with --interface IF or --group G%IF.");
        }

        if (leaveAfter is not null && endpoint.Group.Count > 1)
        {
            throw new UsageException("--leave-after leaves one group; give a single --group, not a range or --groups.");
        }
        if (options.Value("metrics") is { } metrics)
        {
            Metrics.MetricsServer.Parse(metrics);
        }

        // A monitor has no end: it keeps listening after streams end, reporting each one as iperf -s does.
        var monitor = options.Has("metrics") && duration is null;
        return (new ReceivePlan(endpoint, interval, duration, idle, expect, maxLoss, Persistent: monitor) { BufferBytes = bufferBytes, LeaveAfterSeconds = leaveAfter }, format);
    }

    private static IReportSink Sink(string format) => format switch
    {
        "json" => new JsonReport(Console.OpenStandardOutput(), Console.Error),
        "csv" => new CsvReport(Console.Out, Console.Error),
        _ => new TextReport(Console.Out),
    };
}
