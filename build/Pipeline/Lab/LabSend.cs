using System.Diagnostics;
using System.Net;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab;

/// <summary>A receiver to start: which namespace (a host's or a pod's), image, arguments, and where it joins.</summary>
public sealed record ReceiverSpec(string Part, LabContainer NetworkOwner, string Image, IReadOnlyList<string> Arguments, string JoinInterface);

/// <summary>A sender to run to completion in mcastsrc.</summary>
public sealed record SenderSpec(string Part, LabContainer NetworkOwner, string Image, IReadOnlyList<string> Arguments);

/// <summary>How one send went: the sender's outcome and each receiver's (in the order given), and who never joined.</summary>
public sealed record SendOutcome(ContainerOutcome Sender, IReadOnlyList<ContainerOutcome> Receivers, IReadOnlySet<int> NotJoined);

/// <summary>
/// One multicast send of the lab: start the receivers, wait until each has joined the group (IGMP state of its
/// namespace), run the sender to its end, then give the receivers time to finish on the end-of-test datagram
/// before asking the stragglers to stop (SIGINT: they still print their final report).
/// </summary>
public sealed class LabSend(LabContainers containers, IBuildLog log, IPAddress group)
{
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(20);

    public async Task<SendOutcome> RunAsync(IReadOnlyList<ReceiverSpec> receivers, SenderSpec sender, TimeSpan senderLimit, TimeSpan receiverGrace, CancellationToken cancellationToken)
    {
        var started = new LabContainer[receivers.Count];
        await Parallel.ForAsync(0, receivers.Count, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var r = receivers[i];
            started[i] = await containers.StartInAsync(r.NetworkOwner, r.Part, "receiver", r.Image, r.Arguments, token);
        });

        var notJoined = await WaitForJoinsAsync(receivers, cancellationToken);
        foreach (var i in notJoined) log.Warning($"{receivers[i].Part} did not join {group} on {receivers[i].JoinInterface} within {JoinTimeout.TotalSeconds:0} s.");

        log.Information($"Sending from {sender.Part} to {receivers.Count} receiver(s) …");
        var senderContainer = await containers.StartInAsync(sender.NetworkOwner, sender.Part, "sender", sender.Image, sender.Arguments, cancellationToken);
        var senderOutcome = await containers.WaitAsync(senderContainer, senderLimit, cancellationToken);

        var outcomes = new ContainerOutcome[receivers.Count];
        var deadline = Stopwatch.StartNew();
        await Parallel.ForAsync(0, receivers.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            outcomes[i] = await FinishAsync(started[i], receiverGrace - deadline.Elapsed, token);
        });
        return new SendOutcome(senderOutcome, outcomes, notJoined);
    }

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

    private async Task<IReadOnlySet<int>> WaitForJoinsAsync(IReadOnlyList<ReceiverSpec> receivers, CancellationToken cancellationToken)
    {
        var waiting = Enumerable.Range(0, receivers.Count).ToHashSet();
        var watch = Stopwatch.StartNew();
        while (waiting.Count > 0 && watch.Elapsed < JoinTimeout)
        {
            waiting.RemoveWhere(i => IgmpMembership.IsJoined(receivers[i].NetworkOwner.Pid, receivers[i].JoinInterface, group));
            if (waiting.Count > 0) await Task.Delay(100, cancellationToken);
        }
        return waiting;
    }
}
