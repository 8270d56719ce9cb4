using System.Text.RegularExpressions;
using McastLab.McastTools.Cli;

namespace McastLab.McastTools.Tests;

/// <summary>The committed feed-monitor DaemonSet runs a command line mcast accepts, and it makes a monitor with no end.</summary>
public sealed partial class FeedMonitorCommandTests
{
    [Fact]
    public void The_committed_monitor_manifest_runs_a_receiver_that_never_ends_and_serves_metrics()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "McastLab.sln")))
        {
            root = root.Parent;
        }

        var yaml = File.ReadAllText(Path.Combine(root!.FullName, "manifests", "mcast-feed-monitor-daemonset.yaml"));
        // The generator writes args as a block list of plain or quoted scalars.
        var block = ArgsBlock().Match(yaml);
        Assert.True(block.Success, yaml);
        var args = block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().TrimStart('-').Trim().Trim('"')).ToList();

        Assert.Equal("recv", args[0]);
        // The node's attached interface is not on this machine: resolve the plan against loopback instead.
        args[args.IndexOf("--interface") + 1] = "lo";
        var options = ParsedOptions.Parse("recv", RecvCommand.Options, args[1..]);
        var (plan, format) = RecvCommand.Plan(options);
        Assert.True(plan.Persistent);
        Assert.Null(plan.DurationSeconds);
        Assert.Null(plan.IdleTimeoutSeconds);
        Assert.Equal("json", format);
        Assert.Equal(9464, Metrics.MetricsServer.Parse(options.Value("metrics")!).Port);
    }

    [GeneratedRegex(@"\n      - args:\n((?:        - .*\n)+)")]
    private static partial Regex ArgsBlock();
}
