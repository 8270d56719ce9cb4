using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Docker.DotNet;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>A receiver to start: in whose namespace (a host's or a pod's), which image and arguments, where it joins.</summary>
public sealed record RunningReceiver(FlowReceiver Receiver, LabContainer NetworkOwner, string Image, IReadOnlyList<string> Arguments, string JoinInterface);

/// <summary>A flow ready to run: its sender's namespace, image and arguments, and its receivers.</summary>
public sealed record RunningFlow(TrafficFlow Flow, LabContainer SenderOwner, string SenderImage, IReadOnlyList<string> SenderArguments, IReadOnlyList<RunningReceiver> Receivers);

/// <summary>How a flow went: the sender's outcome, each receiver's (in order) and whether it was seen joined.</summary>
public sealed record FlowOutcome(RunningFlow Flow, ContainerOutcome Sender, IReadOnlyList<ContainerOutcome> Receivers, IReadOnlyList<bool> Joined);

/// <summary>
/// Runs flows that cannot disturb each other (each on its own port) at the same time: start every receiver,
/// wait until each namespace shows as many sockets joined to the group on each interface as it has
/// receivers there (IGMP table), run every sender to its end, then give the receivers that expect data time
/// to finish on the end-of-test datagram, and ask the rest to stop (SIGINT: they still print their report).
/// </summary>
public sealed class FlowRunner(LabContainers containers, IBuildLog log, IPAddress group, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();

    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(20);

    public async Task<IReadOnlyList<FlowOutcome>> RunAsync(IReadOnlyList<RunningFlow> flows, TimeSpan senderLimit, TimeSpan receiverGrace, CancellationToken cancellationToken)
    {
        var step = Stopwatch.StartNew();
        void Done(string name) { timings.Phase(name, step.Elapsed); step.Restart(); }
        var receivers = flows.SelectMany((f, fi) => f.Receivers.Select((r, ri) => (Flow: fi, Index: ri, Spec: r))).ToList();
        var started = new LabContainer[receivers.Count];
        await Parallel.ForAsync(0, receivers.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var (flow, index, r) = receivers[i];
            started[i] = await containers.StartInAsync(r.NetworkOwner, $"{Part(flows[flow].Flow.Name)}-r{index}", "receiver", r.Image, r.Arguments, token);
        });

        // The senders' containers are created while the receivers join, so only their start waits for the joins.
        Done("receivers started");
        var senderContainers = new LabContainer[flows.Count];
        var creatingSenders = Parallel.ForAsync(0, flows.Count, new ParallelOptions { MaxDegreeOfParallelism = flows.Count, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var f = flows[i];
            senderContainers[i] = await containers.CreateInAsync(f.SenderOwner, $"{Part(f.Flow.Name)}-send", "sender", f.SenderImage, f.SenderArguments, token);
        });
        var joined = await WaitForJoinsAsync(receivers.Select(r => r.Spec).ToList(), cancellationToken);
        await creatingSenders;
        Done("joined");
        for (var i = 0; i < receivers.Count; i++)
        {
            if (!joined[i]) log.Warning($"{receivers[i].Spec.Receiver.Check} did not join {group} on {receivers[i].Spec.JoinInterface} within {JoinTimeout.TotalSeconds:0} s.");
        }

        foreach (var f in flows) log.Verbose($"Flow {f.Flow.Name}: from {f.Flow.Sender.Place}, port {f.Flow.Port}, {f.Receivers.Count} receiver(s).");
        log.Information($"Sending {flows.Count} flow(s) at once to {receivers.Count} receiver(s), {joined.Count(j => j)} joined …");
        var senders = new ContainerOutcome[flows.Count];
        // A program whose output is read is removed at once, while the lab waits for the others; cleanup
        // still removes (and checks) everything of the run, whatever happened here.
        var removals = new ConcurrentQueue<Task>();
        var outcomes = new ContainerOutcome[receivers.Count];
        try
        {
            await Parallel.ForAsync(0, flows.Count, new ParallelOptions { MaxDegreeOfParallelism = flows.Count, CancellationToken = cancellationToken }, async (i, token) =>
            {
                await containers.StartAsync(senderContainers[i], token);
                senders[i] = await containers.WaitAsync(senderContainers[i], senderLimit, token);
                removals.Enqueue(containers.RemoveAsync(senderContainers[i], cancellationToken));
            });
            Done("senders");
            // Every datagram is sent once the senders exited; what the receivers not expecting data (and iperf's
            // server) may still get arrives within this time, which runs while the others finish.
            var settled = Task.Delay(SettleTime, cancellationToken);

            // `mcast recv` expecting data ends by itself on the end-of-test datagram. The others are stopped once
            // those are done: a receiver expecting nothing, and iperf's server, which never exits (it printed its
            // report on the end-of-test datagram, which arrived with the mcast receivers' own).
            var grace = Stopwatch.StartNew();
            bool ExpectsData(int i) => receivers[i].Spec.Receiver is { Expect: Expectation.Everything, Tool: FlowTool.McastRecv };
            await Parallel.ForAsync(0, receivers.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, token) =>
            {
                if (!ExpectsData(i)) return;
                outcomes[i] = await FinishAsync(started[i], receiverGrace - grace.Elapsed, token);
                removals.Enqueue(containers.RemoveAsync(started[i], cancellationToken));
            });
            Done("receivers ended");
            await settled;
            await Parallel.ForAsync(0, receivers.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, token) =>
            {
                if (ExpectsData(i)) return;
                outcomes[i] = await FinishAsync(started[i], TimeSpan.Zero, token);
                removals.Enqueue(containers.RemoveAsync(started[i], cancellationToken));
            });
            Done("others stopped");
        }
        finally
        {
            // Never leave a removal running into cleanup's own (two removals of one container conflict).
            try
            {
                await Task.WhenAll(removals);
            }
            catch (Exception e) when (e is DockerApiException or OperationCanceledException)
            {
                // Cleanup removes what is left and reports it.
            }
        }
        Done("removed");

        return [.. flows.Select((f, fi) =>
        {
            var mine = Enumerable.Range(0, receivers.Count).Where(i => receivers[i].Flow == fi).ToList();
            return new FlowOutcome(f, senders[fi], [.. mine.Select(i => outcomes[i])], [.. mine.Select(i => joined[i])]);
        })];
    }

    /// <summary>From the senders' exit to stopping the receivers that do not end by themselves (was a fixed 0.5 s after those that do).</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(500);

    private static string Part(string name) => name.Replace('/', '-');

    /// <summary>Waits for the receiver to end by itself; past the grace period, SIGINT, then SIGKILL.</summary>
    private async Task<ContainerOutcome> FinishAsync(LabContainer receiver, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (grace > TimeSpan.Zero)
        {
            try
            {
                return await containers.WaitAsync(receiver, grace, cancellationToken);
            }
            catch (PipelineException)
            {
                // Still running: stop it below.
            }
        }
        await containers.SignalAsync(receiver, "SIGINT", cancellationToken);
        try
        {
            return await containers.WaitAsync(receiver, TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (PipelineException)
        {
            await containers.SignalAsync(receiver, "SIGKILL", cancellationToken);
            return await containers.WaitAsync(receiver, TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    /// <summary>Per receiver: whether its namespace showed all its receivers on that interface joined in time.</summary>
    private async Task<bool[]> WaitForJoinsAsync(IReadOnlyList<RunningReceiver> receivers, CancellationToken cancellationToken)
    {
        var needs = receivers.GroupBy(r => (r.NetworkOwner.Pid, r.JoinInterface)).ToDictionary(g => g.Key, g => g.Count());
        var waiting = needs.Keys.ToHashSet();
        var watch = Stopwatch.StartNew();
        while (waiting.Count > 0 && watch.Elapsed < JoinTimeout)
        {
            waiting.RemoveWhere(k => IgmpMembership.Users(k.Pid, k.JoinInterface, group) >= needs[k]);
            if (waiting.Count > 0) await Task.Delay(20, cancellationToken);
        }
        return [.. receivers.Select(r => !waiting.Contains((r.NetworkOwner.Pid, r.JoinInterface)))];
    }
}
