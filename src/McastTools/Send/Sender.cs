using System.Diagnostics;
using McastLab.McastTools.Sockets;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Send;

/// <summary>Sends an iperf 2-compatible test: ids from 1, paced, then several end-of-test datagrams.</summary>
internal sealed class Sender(SendPlan plan)
{
    /// <summary>iperf sends one end-of-test datagram to a multicast group, which a receiver can lose.</summary>
    public const int EndOfTestCopies = 5;

    private const double MaximumWaitSeconds = 0.25;

    public SendResult Run(CancellationToken cancel)
    {
        using var socket = MulticastSockets.OpenSender(plan.Endpoint);
        var template = DatagramTemplate.Create(plan.Length);
        var destinations = Destinations(plan.Endpoint);
        using var batch = new BatchSender(socket, template, destinations);
        var pacer = new Pacer(plan.Rate.Unlimited ? 0 : plan.Rate.PacketsPerSecondFor(plan.Length));
        var limit = plan.Count ?? long.MaxValue;
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (sent < limit && !cancel.IsCancellationRequested)
        {
            var elapsed = clock.Elapsed.TotalSeconds;
            if (plan.DurationSeconds is { } duration && elapsed >= duration)
            {
                break;
            }

            var due = Math.Min(pacer.DueBy(elapsed), limit) - sent;
            if (due <= 0)
            {
                WaitUntil(clock, pacer.DueAt(sent), cancel);
                continue;
            }

            var count = (int)Math.Min(due, BatchSender.BatchSize);
            var taken = batch.Send(sent + 1, count, DateTime.UtcNow);
            sent += taken;
            if (taken < count)
            {
                // The kernel's queue is full: give the device a moment.
                Thread.Yield();
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        SendEndOfTest(socket, sent, template, destinations);
        return new SendResult(socket.LocalEndPoint as System.Net.IPEndPoint, sent, sent * plan.Length, seconds, cancel.IsCancellationRequested);
    }

    /// <summary>Each group of a range, with the outgoing interface as an IPv6 group's scope; null for one group (a connected socket).</summary>
    private static System.Net.IPEndPoint[]? Destinations(SendEndpoint endpoint)
    {
        if (endpoint.Group.Count == 1)
        {
            return null;
        }

        var scope = endpoint.Group.IsIPv6 ? endpoint.Interface?.Index ?? 0 : 0;
        return [.. endpoint.Group.Members.Select(g => new System.Net.IPEndPoint(scope == 0 ? g : new System.Net.IPAddress(g.GetAddressBytes(), scope), endpoint.Port))];
    }

    /// <summary>The end-of-test datagrams of every group: each announces the last id that group was sent.</summary>
    private static void SendEndOfTest(System.Net.Sockets.Socket socket, long sent, byte[] template, System.Net.IPEndPoint[]? destinations)
    {
        var datagram = (byte[])template.Clone();
        for (var copy = 0; copy < EndOfTestCopies; copy++)
        {
            if (destinations is null)
            {
                IperfHeader.At(IperfHeader.EndOfTestId(sent), DateTime.UtcNow).Write(datagram);
                socket.Send(datagram);
            }
            else
            {
                for (var group = 0; group < destinations.Length; group++)
                {
                    var lastId = (sent / destinations.Length) + (group < sent % destinations.Length ? 1 : 0);
                    IperfHeader.At(IperfHeader.EndOfTestId(lastId), DateTime.UtcNow).Write(datagram);
                    socket.SendTo(datagram, destinations[group]);
                }
            }

            Thread.Sleep(2);
        }
    }

    /// <summary>Sleeps most of a long wait and spins the last fraction of a millisecond, for accurate low rates.</summary>
    private static void WaitUntil(Stopwatch clock, double dueSeconds, CancellationToken cancel)
    {
        var remaining = dueSeconds - clock.Elapsed.TotalSeconds;
        if (remaining > 0.002)
        {
            // At most a slice at a time: the caller re-checks the duration, so a very low rate cannot outlast it.
            cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Min(remaining - 0.0015, MaximumWaitSeconds)));
        }
        else if (remaining > 0.0002)
        {
            Thread.Sleep(0);
        }
        else
        {
            Thread.SpinWait(20);
        }
    }
}
