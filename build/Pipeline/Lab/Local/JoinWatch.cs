using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// Whether receivers have joined, from the IGMP table of their namespace (<see cref="IgmpMembership"/>): the
/// table counts the sockets joined to the group per interface, not whose they are, so a namespace and
/// interface count as joined when they show at least as many sockets as receivers were started there. A
/// receiver is counted before its container starts, so another's socket can never stand in for its own.
/// </summary>
public sealed class JoinWatch(IPAddress group)
{
    private readonly ConcurrentDictionary<(int Pid, string Interface), int> started = new();

    /// <summary>Call before the receiver's program may run.</summary>
    public void Starting(RunningReceiver receiver) => started.AddOrUpdate(Key(receiver), 1, (_, n) => n + 1);

    /// <summary>Per receiver: whether its namespace showed every receiver started there on that interface joined within the timeout.</summary>
    public async Task<bool[]> WaitAsync(IReadOnlyList<RunningReceiver> receivers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiting = receivers.Select(Key).ToHashSet();
        var watch = Stopwatch.StartNew();
        while (waiting.Count > 0 && watch.Elapsed < timeout)
        {
            waiting.RemoveWhere(k => IgmpMembership.Users(k.Pid, k.Interface, group) >= started.GetValueOrDefault(k));
            if (waiting.Count > 0) await Task.Delay(20, cancellationToken);
        }
        return [.. receivers.Select(r => !waiting.Contains(Key(r)))];
    }

    private static (int Pid, string Interface) Key(RunningReceiver receiver) => (receiver.NetworkOwner.Pid, receiver.JoinInterface);
}
