using McastLab.McastTools.Sockets;
using System.Globalization;
using McastLab.McastTools.Reports;
using McastLab.McastTools.Send;
using McastLab.McastTools.Diagnosis;

namespace McastLab.McastTools.Cli;

/// <summary>`mcast send`: an iperf 2.1.8-compatible multicast sender.</summary>
internal static class SendCommand
{
    public static readonly OptionSpec[] Options =
    [
        new("group", "G[-G2][%IF]", "multicast group to send to, or the range G-G2, sent round robin (required); %IF chooses the outgoing interface"),
        EndpointOptions.Groups,
        EndpointOptions.Port,
        new("interface", "IF", "outgoing interface, IPv4 and IPv6 (default: by route); not with --bind"),
        new("bind", "ADDR", "source address; its interface becomes the outgoing one (default: by route)"),
        EndpointOptions.Ttl,
        new("rate", "RATE", "bits/s with k/m/g (x1000) or K/M/G (x1024), or packets/s as Npps; 0 = as fast as possible (default 1M = 1048576 bit/s)"),
        new("length", "BYTES", "UDP payload per datagram, 20-65507 (default 1470, 1450 on IPv6)"),
        new("duration", "SECONDS", "send for SECONDS (default 10); not with --count"),
        new("count", "N", "send N datagrams instead of for a duration"),
        new("tos", "N", "IPv4 TOS / IPv6 traffic class byte, 0-255 (default: the kernel's)"),
        new("rtt", null, "measure the round trip: `mcast pong` on the group answers each datagram; prints p50/p90/p99/p99.9/p99.99/max per responder, exits 1 when none answered"),
    ];

    public static readonly string Description =
        "Sends iperf 2.1.8-compatible datagrams (64-bit ids from 1, sender timestamps, flags byte 16 always 0),\n" +
        $"then {Sender.EndOfTestCopies} end-of-test datagrams (iperf sends one, which a receiver can lose). Batches\n" +
        "system calls with sendmmsg; paces on an absolute timeline. Prints what it sent. To several groups (a range\n" +
        "or --groups N) it sends round robin, each group its own ids from 1 and its own end-of-test datagrams;\n" +
        "--rate and --count are then totals over all groups (each group gets an equal share).";

    public const string ExitCodes = "exit codes: 0 success; 1 --rtt and no reply arrived; 2 usage error (nothing opened); 3 socket error at run time; 130 interrupted by Ctrl+C/SIGTERM (after sending end-of-test and printing).";

    public static int Run(IReadOnlyList<string> args, CancellationToken cancel)
    {
        if (HelpText.ParseOrPrint("send", "mcast send --group G[-G2] [options]", Description, Options, ExitCodes, args) is not { } options)
        {
            return 0;
        }

        var plan = Plan(options);
        var result = new Sender(plan, SenderDiagnosis.Print).Run(cancel);
        Console.Out.WriteLine(Describe(plan, result));
        foreach (var (responder, replies) in result.Replies)
        {
            Console.Out.WriteLine(RoundTrip(responder, replies));
        }

        if (result.Interrupted)
        {
            return 130;
        }

        if (plan.RoundTrip && !result.Replies.Any(r => r.Replies.Received > 0))
        {
            Console.Error.WriteLine($"mcast send: no replies arrived; run 'mcast pong --group {plan.Endpoint.Group.Address}' on a receiver, and let its unicast answers reach this host.");
            return 1;
        }

        return 0;
    }

    /// <summary>One responder's replies: how many came back, how many did not, and the round trip's percentiles.</summary>
    public static string RoundTrip(Accounting.StreamKey responder, Accounting.StreamSnapshot replies) => string.Create(
        CultureInfo.InvariantCulture,
        $"mcast send: rtt from {responder}: {replies.Received} replies, lost {replies.Lost} ({replies.LossPercent:0.###}%){(replies.LatencyAvgMs is { } avg ? $", round trip avg {avg * 1000:0.000}{TextReport.Percentiles(replies.Percentiles)} us" : "")}");

    public static SendPlan Plan(ParsedOptions options)
    {
        if (options.Has("interface") && options.Has("bind"))
        {
            throw new UsageException("give either --interface or --bind, not both.");
        }

        if (options.Has("duration") && options.Has("count"))
        {
            throw new UsageException("give either --duration or --count, not both.");
        }

        var port = EndpointOptions.ReadPort(options);
        var ttl = EndpointOptions.ReadTtl(options);
        int? tos = options.Has("tos") ? (int)options.Integer("tos", 0, 0, 255) : null;
        var rate = Rate.Parse(options.Value("rate") ?? "1M", message => new UsageException(message));
        long? count = options.Has("count") ? options.Integer("count", 1, 1, long.MaxValue) : null;
        var duration = count is null ? options.Number("duration", 0.001, 1e9) ?? 10 : (double?)null;
        var endpoint = EndpointResolver.Send(options.Required("group", "send"), options.Value("interface"), options.Value("bind"), port, ttl, tos, EndpointOptions.ReadGroupCount(options));
        if (options.Has("rtt") && endpoint.Group.Count > 1)
        {
            // Replies are matched by id, and every group of a range has its own ids from 1.
            throw new UsageException($"--rtt measures one group; give a single group instead of the range {endpoint.Group.Describe()}.");
        }

        var length = (int)options.Integer("length", endpoint.Group.IsIPv6 ? 1450 : 1470, Wire.DatagramTemplate.MinimumLength, Wire.DatagramTemplate.MaximumLength);
        return new SendPlan(endpoint, rate, length, duration, count, options.Has("rtt"));
    }

    private static string Describe(SendPlan plan, SendResult result) => string.Create(
        CultureInfo.InvariantCulture,
        $"mcast send: {result.Datagrams} datagrams ({result.Bytes} bytes) from {result.Local} to {Destination(plan.Endpoint)} ttl {plan.Endpoint.Ttl} in {result.Seconds:0.000} s: {IperfUnits.BitsPerSecond(result.BitsPerSecond)}, {result.PacketsPerSecond:0} pps{(result.Interrupted ? " (interrupted)" : "")}");

    private static string Destination(SendEndpoint endpoint) => endpoint.Group.Count == 1
        ? new System.Net.IPEndPoint(endpoint.Group.Address, endpoint.Port).ToString()
        : string.Create(CultureInfo.InvariantCulture, $"{endpoint.Group.Count} groups {endpoint.Group.Describe()} port {endpoint.Port} (round robin)");
}
