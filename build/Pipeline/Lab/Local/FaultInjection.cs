using System.Globalization;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// --fault=NAME: breaks the local lab in the way a user's cluster breaks, with the same kernel state (the
/// attachment's config, routes and policy rules, sysctls, iptables rules, the switch's settings; see
/// docs/troubleshooting.md), so the lab must fail and its diagnosis must name that cause. The switch's
/// faults (no-querier, membership-expired) are made by <see cref="SwitchSegment"/>.
/// </summary>
public sealed class FaultInjection(ProcessRunner runner, LabSettings settings)
{
    /// <summary>Where the fault changes the receivers' arguments: a source-specific join for another source.</summary>
    public const string WrongSource = "10.0.0.99";

    private const string PolicyTable = "100";

    /// <summary>Every node's NetworkAttachmentDefinition config as the fault has it.</summary>
    public IReadOnlyDictionary<string, string> Configs(IReadOnlyDictionary<string, string> configs) =>
        settings.Fault is LabFault.NoRoute or LabFault.MacvlanIsolation ? configs.ToDictionary(c => c.Key, c => Config(c.Value)) : configs;

    /// <summary>The NetworkAttachmentDefinition's config as the fault has it: no multicast route, or macvlan mode private.</summary>
    private string Config(string config)
    {
        if (settings.Fault is not (LabFault.NoRoute or LabFault.MacvlanIsolation)) return config;
        var node = JsonNode.Parse(config)!.AsObject();
        if (settings.Fault == LabFault.NoRoute) (node["ipam"] as JsonObject)?.Remove("routes");
        else node["mode"] = "private";
        return node.ToJsonString();
    }

    /// <summary>
    /// The receive buffer socket-buffer-too-small's receivers ask for: the kernel grants its minimum (1152 bytes on
    /// Debian 12's kernel, less than one datagram's truesize), as a node whose rmem_max is far too low for its streams would.
    /// </summary>
    public const int TinyBuffer = 1024;

    /// <summary>The rate socket-buffer-too-small's flow sends at: a datagram every 50 µs, so a receiver one wake-up late drops.</summary>
    public const string BurstRate = "20000pps";

    /// <summary>The flow socket-buffer-too-small makes fast: `mcast send --interface` from the sender pod (to mcastsrc and the farthest pod).</summary>
    private const string BurstFlow = "pod-interface";

    /// <summary>
    /// The receiver's arguments: with source-not-allowed, the first pod's walkthrough receiver joins for another
    /// source; with socket-buffer-too-small, the fast flow's receivers ask for a tiny socket buffer.
    /// </summary>
    public IReadOnlyList<string> ReceiverArguments(FlowReceiver receiver, IReadOnlyList<string> arguments) =>
        receiver.Tool != FlowTool.McastRecv ? arguments
        : settings.Fault == LabFault.SourceNotAllowed && receiver.Check == $"{settings.NodeNames[0]}/pod-1" ? [.. arguments, "--source", WrongSource]
        : settings.Fault == LabFault.SocketBufferTooSmall && receiver.Check.EndsWith($"/from-{BurstFlow}", StringComparison.Ordinal)
            ? [.. arguments, "--rcvbuf", TinyBuffer.ToString(CultureInfo.InvariantCulture)]
        : arguments;

    /// <summary>
    /// The sender's arguments: with ttl-too-small, every `mcast send` sets TTL 0, which no path allows (not even the
    /// wire); with socket-buffer-too-small, the fast flow's `mcast send` sends at <see cref="BurstRate"/>.
    /// </summary>
    public IReadOnlyList<string> SenderArguments(FlowSender sender, IReadOnlyList<string> arguments) =>
        sender.Tool != FlowTool.McastSend ? arguments
        : settings.Fault == LabFault.TtlTooSmall ? Replaced(arguments, "--ttl", "0")
        : settings.Fault == LabFault.SocketBufferTooSmall && sender.Source == SourceChoice.Interface ? Replaced(arguments, "--rate", BurstRate)
        : arguments;

    private static List<string> Replaced(IReadOnlyList<string> arguments, string option, string value)
    {
        var changed = arguments.ToList();
        var at = changed.IndexOf(option);
        if (at >= 0 && at + 1 < changed.Count) changed[at + 1] = value;
        return changed;
    }

    /// <summary>The kernel state of the fault in the pods and hosts, once they are up and before any receiver joins.</summary>
    /// <param name="pidOf">The process whose network namespace a pod or host is ("k8s/sender", "k8s").</param>
    public async Task ApplyAsync(Func<string, int> pidOf, CancellationToken cancellationToken)
    {
        var node = settings.NodeNames[0];
        var sender = $"{node}/{LabExperiment.SenderPod}";
        switch (settings.Fault)
        {
            case LabFault.SenderWrongInterface:
                // A policy rule sends UDP to the group out of eth0; joins (no protocol in their lookup) keep the main table's eth1.
                await InAsync(pidOf(sender), cancellationToken, "ip", "route", "add", "224.0.0.0/4", "dev", PrimaryNetwork.InterfaceName, "table", PolicyTable);
                await InAsync(pidOf(sender), cancellationToken, "ip", "rule", "add", "ipproto", "udp", "lookup", PolicyTable);
                break;
            case LabFault.ReceiverWrongInterface:
                // The reverse: the main table's route (joins) leads to eth0, UDP sends keep eth1 by the rule.
                await InAsync(pidOf(sender), cancellationToken, "ip", "route", "replace", "224.0.0.0/4", "dev", PrimaryNetwork.InterfaceName);
                await InAsync(pidOf(sender), cancellationToken, "ip", "route", "add", "224.0.0.0/4", "dev", settings.Interface, "table", PolicyTable);
                await InAsync(pidOf(sender), cancellationToken, "ip", "rule", "add", "ipproto", "udp", "lookup", PolicyTable);
                break;
            case LabFault.RpFilter:
                // Strict rp_filter in the first pod, and its route back to mcastsrc through the cluster network.
                var pod = pidOf($"{node}/pod-1");
                await InAsync(pod, cancellationToken, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1");
                await InAsync(pod, cancellationToken, "ip", "route", "add", $"{settings.McastsrcAddress}/32", "via", PrimaryNetwork.Gateway(0), "dev", PrimaryNetwork.InterfaceName);
                break;
            case LabFault.IgmpBlocked:
                // A firewall on the first node and in its pods that drops IGMP: no report reaches the switch.
                foreach (var place in new[] { node }.Concat(Enumerable.Range(1, settings.Pods).Select(i => $"{node}/pod-{i}")).Append(sender))
                {
                    await InAsync(pidOf(place), cancellationToken, "iptables", "-A", "OUTPUT", "-p", "igmp", "-j", "DROP");
                }
                break;
        }
    }

    private Task<ProcessResult> InAsync(int pid, CancellationToken cancellationToken, params string[] command) =>
        runner.RunAsync("nsenter", ["-t", pid.ToString(CultureInfo.InvariantCulture), "-n", .. command],
            new ProcessOptions { Quiet = true, Timeout = TimeSpan.FromSeconds(30) }, cancellationToken);
}
