using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>A receiver to start: in whose namespace (a host's or a pod's), which image and arguments, where it joins.</summary>
public sealed record RunningReceiver(FlowReceiver Receiver, LabSandbox NetworkOwner, string Image, IReadOnlyList<string> Arguments, string JoinInterface);

/// <summary>A flow ready to run: its sender's namespace, image and arguments, and its receivers.</summary>
public sealed record RunningFlow(TrafficFlow Flow, LabSandbox SenderOwner, string SenderImage, IReadOnlyList<string> SenderArguments, IReadOnlyList<RunningReceiver> Receivers);

/// <summary>How a flow went: the sender's outcome, each receiver's (in order) and whether it was seen joined.</summary>
public sealed record FlowOutcome(RunningFlow Flow, ContainerOutcome Sender, IReadOnlyList<ContainerOutcome> Receivers, IReadOnlyList<bool> Joined);

/// <summary>
/// Runs flows that cannot disturb each other (each on its own port), each on its own course: every receiver
/// is started at once (a process in its namespace, <see cref="LabPrograms"/>); a flow's sender starts as soon
/// as each namespace of its receivers shows as many sockets joined to the group on that interface as
/// receivers were started there (IGMP table); after the sender's exit its receivers that expect data finish
/// on the end-of-test datagram, and the rest are asked to stop (SIGINT: they still print their report) once
/// nothing more can reach them. A flow does not wait for the others: its traffic runs while they still start.
/// </summary>
public sealed class FlowRunner(LabPrograms programs, IBuildLog log, IPAddress group, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();

    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(20);

    /// <summary>From a sender's exit to stopping its flow's receivers that do not end by themselves.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(500);

    private readonly TaskCompletionSource sendersStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int sendersRunning;

    /// <summary>
    /// Completes once every flow's sender has started (or the flows ended without): from then on the lab's own
    /// work can share the CPU with the traffic without delaying a receiver's start or join.
    /// </summary>
    public Task SendersStarted => sendersStarted.Task;

    public async Task<IReadOnlyList<FlowOutcome>> RunAsync(IReadOnlyList<RunningFlow> flows, TimeSpan senderLimit, TimeSpan receiverGrace, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var receivers = flows.SelectMany((f, fi) => f.Receivers.Select((r, ri) => (Flow: fi, Index: ri, Spec: r))).ToList();
        log.Information($"Starting {flows.Count} flow(s) with {receivers.Count} receiver(s); each sends once its receivers joined …");
        // The first failure stops every flow (cleanup then stops what they started).
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failed.Token;

        var joins = new JoinWatch(group);
        var milestones = new Milestones(clock);
        var started = receivers.Select(async r =>
        {
            // Counted before it runs, so a socket it joins is never taken for another receiver's.
            joins.Starting(r.Spec);
            var program = await programs.StartAsync(r.Spec.NetworkOwner, $"{Part(flows[r.Flow].Flow.Name)}-r{r.Index}", r.Spec.Image, r.Spec.Arguments, token);
            milestones.Reached("receivers started");
            return program;
        }).ToList();

        var running = flows.Select((f, fi) => FlowAsync(fi)).ToList();
        try
        {
            return await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && running.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException is { } failure)
        {
            // A flow failed and stopped the others, whose cancellation may come first: its failure is the one to report.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
        finally
        {
            // Never leave a flow running into cleanup, which stops the programs still running.
            try
            {
                await Task.WhenAll(running.Cast<Task>().Concat(started));
            }
            catch (Exception e) when (e is OperationCanceledException or PipelineException)
            {
                // The first failure is the one thrown above; cleanup stops what is left and reports it.
            }
            milestones.Reached("flows ended");
            milestones.Record(timings);
            sendersStarted.TrySetResult();
        }

        async Task<FlowOutcome> FlowAsync(int fi)
        {
            var flow = flows[fi];
            var mine = Enumerable.Range(0, receivers.Count).Where(i => receivers[i].Flow == fi).ToList();
            try
            {
                var receiving = await Task.WhenAll(mine.Select(i => started[i]));
                var specs = mine.Select(i => receivers[i].Spec).ToList();
                var joined = await joins.WaitAsync(specs, JoinTimeout, token);
                var since = clock.Elapsed;
                for (var i = 0; i < mine.Count; i++)
                {
                    if (!joined[i]) log.Warning($"{specs[i].Receiver.Check} did not join {group} on {specs[i].JoinInterface} within {JoinTimeout.TotalSeconds:0} s.");
                }

                var sender = await programs.StartAsync(flow.SenderOwner, $"{Part(flow.Flow.Name)}-send", flow.SenderImage, flow.SenderArguments, token);
                var sending = clock.Elapsed;
                milestones.Reached("senders started");
                if (Interlocked.Increment(ref sendersRunning) == flows.Count) sendersStarted.TrySetResult();
                var sent = await sender.WaitAsync(senderLimit, token);
                var exitedAt = await sender.ExitedAt;
                var exited = clock.Elapsed;
                milestones.Reached("senders exited");
                // Every datagram of this flow is sent; what its receivers not expecting data (and iperf's server)
                // may still get arrives within this time from the sender's exit, which runs while the others finish.
                var settle = exitedAt + SettleTime - DateTimeOffset.UtcNow;
                var settled = settle > TimeSpan.Zero ? Task.Delay(settle, token) : Task.CompletedTask;

                // `mcast recv` expecting data ends by itself on the end-of-test datagram. The others are stopped
                // after the settle time: a receiver expecting nothing, and iperf's server, which never exits (it
                // printed its report on the end-of-test datagram, which arrived with the mcast receivers' own).
                var grace = Stopwatch.StartNew();
                static bool ExpectsData(RunningReceiver r) => r.Receiver is { Expect: Expectation.Everything, Tool: FlowTool.McastRecv };
                var results = await Task.WhenAll(specs.Select(async (r, i) =>
                {
                    if (!ExpectsData(r)) await settled;
                    return await FinishAsync(receiving[i], ExpectsData(r) ? receiverGrace - grace.Elapsed : TimeSpan.Zero, token);
                }));
                milestones.Reached("receivers ended");
                log.Verbose(string.Create(CultureInfo.InvariantCulture,
                    $"Flow {flow.Flow.Name}: from {flow.Flow.Sender.Place}, port {flow.Flow.Port}, {joined.Count(j => j)} of {mine.Count} receiver(s) joined at {since.TotalSeconds:0.0} s, sent {sending.TotalSeconds:0.0} to {exited.TotalSeconds:0.0} s, done at {clock.Elapsed.TotalSeconds:0.0} s."));
                return new FlowOutcome(flow, sent, results, joined);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Stop the other flows at once; the first failure is the one reported.
                await failed.CancelAsync();
                throw;
            }
        }
    }

    private static string Part(string name) => name.Replace('/', '-');

    /// <summary>Waits for the receiver to end by itself; past the grace period, SIGINT, then SIGKILL.</summary>
    private static async Task<ContainerOutcome> FinishAsync(LabProgram receiver, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (grace > TimeSpan.Zero)
        {
            try
            {
                return await receiver.WaitAsync(grace, cancellationToken);
            }
            catch (PipelineException)
            {
                // Still running: stop it below.
            }
        }
        receiver.Signal(Signals.Interrupt);
        try
        {
            return await receiver.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (PipelineException)
        {
            receiver.Signal(Signals.Kill);
            return await receiver.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    /// <summary>When the flows reached each step, the last of them to (LabTimings' phases, from the flows' start).</summary>
    private sealed class Milestones(Stopwatch clock)
    {
        private readonly ConcurrentDictionary<string, TimeSpan> reached = new();

        public void Reached(string step)
        {
            var now = clock.Elapsed;
            reached.AddOrUpdate(step, now, (_, before) => before > now ? before : now);
        }

        public void Record(LabTimings timings)
        {
            foreach (var (step, at) in reached.OrderBy(r => r.Value)) timings.Phase($"{step} by", at);
        }
    }
}
