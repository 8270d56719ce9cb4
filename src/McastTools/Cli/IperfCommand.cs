using System.Globalization;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Reports;
using McastLab.McastTools.Send;

namespace McastLab.McastTools.Cli;

/// <summary>`mcast iperf`: the iperf 2 flags the lab uses, with iperf-style text, so a pod spec runs unchanged.</summary>
internal static class IperfCommand
{
    public static readonly OptionSpec[] Options =
    [
        new("server", null, "receive (iperf -s); needs -B G[%IF]", "s"),
        new("client", "G", "send to group G (iperf -c)", "c"),
        new("udp", null, "UDP (accepted; mcast is always UDP)", "u"),
        new("bind", "ADDR[%IF]", "server: the group to join and its interface; client: the source address (and interface)", "B"),
        EndpointOptions.Port with { ShortName = "p" },
        new("interval", "SECONDS", "server: report every SECONDS (default: only the summary); client: accepted", "i"),
        new("time", "SECONDS", "client: send for SECONDS (default 10); server: stop after SECONDS (default: run until Ctrl+C)", "t"),
        new("len", "BYTES", "client: datagram payload (default 1470, 1450 on IPv6)", "l"),
        new("bandwidth", "RATE", "client: offered rate, iperf suffixes or Npps (default 1M)", "b"),
        EndpointOptions.Ttl with { ShortName = "T", Help = $"client: {EndpointOptions.Ttl.Help}" },
        new("ssm-host", "S", "server: source-specific join on (S,G)", "H"),
        new("ipv6_domain", null, "IPv6 (accepted; the address decides)", "V"),
    ];

    public const string Description =
        "iperf 2 compatible front end: `mcast iperf -s -u -B 224.0.67.67%eth1 -i 1` receives like iperf's server\n" +
        "(one report per stream when it ends, then keeps listening); `mcast iperf -c 224.0.67.67 -u --ttl 5 -t 5\n" +
        "-B 10.0.0.12` sends like iperf's client.";

    public const string ExitCodes = "exit codes: 0 success; 2 usage error; 3 socket error at run time; 130 interrupted by Ctrl+C/SIGTERM (after the final report).";

    public static int Run(IReadOnlyList<string> args, CancellationToken cancel)
    {
        var options = IperfGetopt.Parse(Options, args);
        if (options.HelpRequested)
        {
            Console.Out.Write(HelpText.Render("mcast iperf -s -u -B G[%IF] [-i N] | -c G -u [-B ADDR] [-T N] [-t N] [-b RATE] [-l N]", Description, Options, ExitCodes));
            return 0;
        }

        if (options.Has("server") == options.Has("client"))
        {
            throw new UsageException("'mcast iperf' needs exactly one of -s (receive) or -c G (send).");
        }

        return options.Has("server") ? Serve(options, cancel) : Send(options, cancel);
    }

    public static ReceivePlan ServerPlan(ParsedOptions options)
    {
        var group = options.Value("bind") ?? throw new UsageException("'mcast iperf -s' needs -B G[%IF], the multicast group to join, e.g. -B 224.0.67.67%eth1.");
        var port = EndpointOptions.ReadPort(options);
        var endpoint = EndpointResolver.Receive(group, null, options.Value("ssm-host"), port);
        return new ReceivePlan(endpoint, options.Interval("interval") ?? 0, options.Number("time", 0.001, 1e9), null, null, null, Persistent: true);
    }

    public static SendPlan ClientPlan(ParsedOptions options)
    {
        var port = EndpointOptions.ReadPort(options);
        var ttl = EndpointOptions.ReadTtl(options);
        string? bind = null;
        string? iface = null;
        if (options.Value("bind") is { } bindText)
        {
            var percent = bindText.IndexOf('%', StringComparison.Ordinal);
            bind = percent < 0 ? bindText : bindText[..percent];
            iface = percent < 0 ? null : bindText[(percent + 1)..];
        }

        var endpoint = EndpointResolver.Send(options.Value("client")!, iface, bind, port, ttl, null);
        var length = (int)options.Integer("len", endpoint.Group.IsIPv6 ? 1450 : 1470, Wire.DatagramTemplate.MinimumLength, Wire.DatagramTemplate.MaximumLength);
        return new SendPlan(endpoint, Rate.Parse(options.Value("bandwidth") ?? "1M", message => new UsageException(message)), length, options.Number("time", 0.001, 1e9) ?? 10, null);
    }

    /// <summary>
    /// iperf 2.1.8's closing client lines, counted as iperf counts (measured on the wire): the transfer
    /// includes its one end-of-test datagram, and "Sent N" is the data datagrams plus two.
    /// </summary>
    public static IEnumerable<string> ClientSummary(long dataDatagrams, int length, double seconds)
    {
        var bytes = (dataDatagrams + 1) * (double)length;
        var bits = seconds > 0 ? bytes * 8 / seconds : 0;
        yield return "[ ID] Interval       Transfer     Bandwidth";
        yield return string.Create(CultureInfo.InvariantCulture, $"[  1] 0.0000-{seconds:0.0000} sec  {IperfUnits.Bytes(bytes, 4)}  {IperfUnits.BitsPerSecond(bits, 4)}");
        yield return string.Create(CultureInfo.InvariantCulture, $"[  1] Sent {dataDatagrams + 2} datagrams");
    }

    private static int Serve(ParsedOptions options, CancellationToken cancel)
    {
        var outcome = new Receiver(ServerPlan(options), new IperfServerReport(Console.Out)).Run(cancel);
        return outcome.ExitCode;
    }

    private static int Send(ParsedOptions options, CancellationToken cancel)
    {
        var plan = ClientPlan(options);
        var endpoint = plan.Endpoint;
        var output = Console.Out;
        const string rule = "------------------------------------------------------------";
        output.WriteLine(rule);
        output.WriteLine($"Client connecting to {endpoint.Group.Address}, UDP port {endpoint.Port}");
        var pps = plan.Rate.PacketsPerSecondFor(plan.Length);
        var gap = pps > 0 ? string.Create(CultureInfo.InvariantCulture, $", IPG target: {1e6 / pps:0.00} us") : "";
        output.WriteLine($"Sending {plan.Length} byte datagrams{gap}");
        output.WriteLine($"Setting multicast TTL to {endpoint.Ttl}");
        output.WriteLine(rule);
        output.Flush();
        var result = new Sender(plan).Run(cancel);
        output.WriteLine($"[  1] local {result.Local?.Address} port {result.Local?.Port} connected with {endpoint.Group.Address} port {endpoint.Port}");
        foreach (var line in ClientSummary(result.Datagrams, plan.Length, result.Seconds))
        {
            output.WriteLine(line);
        }

        output.Flush();
        return result.Interrupted ? 130 : 0;
    }
}
