using System.Diagnostics;
using McastLab.McastTools.Sockets;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Send;

/// <summary>Sends an iperf 2-compatible test: ids from 1, paced, then several end-of-test datagrams.</summary>
/// <param name="probed">Told what the kernel chose once the socket is connected (`mcast send` prints it; iperf's client does not).</param>
internal sealed class Sender(SendPlan plan, Action<Diagnosis.SenderProbe>? probed = null)
{
    /// <summary>iperf sends one end-of-test datagram to a multicast group, which a receiver can lose.</summary>
    public const int EndOfTestCopies = 5;

    private const double MaximumWaitSeconds = 0.25;

    /// <summary>How long send --rtt waits after the end of the test for the last replies.</summary>
    public const double ReplyGraceSeconds = 2;

    public SendResult Run(CancellationToken cancel)
    {
        using var socket = MulticastSockets.OpenSender(plan.Endpoint, connect: !plan.RoundTrip);
        // Unconnected (replies, or a range): every datagram names its group.
        var destinations = plan.RoundTrip || plan.Endpoint.Group.Count > 1 ? MulticastSockets.Destinations(plan.Endpoint) : null;
        using var replies = plan.RoundTrip ? new ReplyCollector(socket) : null;
        probed?.Invoke(Diagnosis.SenderProbe.Take(plan.Endpoint, socket));
        var template = DatagramTemplate.Create(plan.Length);
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
        SendEndOfTest(socket, destinations, sent, template);
        return new SendResult(socket.LocalEndPoint as System.Net.IPEndPoint, sent, sent * plan.Length, seconds, cancel.IsCancellationRequested)
        {
            Replies = replies?.Finish(ReplyGraceSeconds, cancel) ?? [],
        };
    }

    /// <summary>The end-of-test datagrams, to every group of a range: each announces the last id its group was sent.</summary>
    private static void SendEndOfTest(System.Net.Sockets.Socket socket, System.Net.IPEndPoint[]? destinations, long sent, byte[] template)
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

    /// <summary>
    /// Sleeps most of a wait and spins only its last 0.2 ms, for accurate low rates without a busy core: a wait
    /// longer than 10 ms on the cancellation handle (it wakes on Ctrl+C; its millisecond rounding is made up
    /// below), a shorter one with nanosleep (a 1 Mbit/s sender used to yield through 1.5 ms of every 11 ms gap,
    /// a fifth of a core, which a lab of 4 senders beside 60 pods could not spare).
    /// </summary>
    private static void WaitUntil(Stopwatch clock, double dueSeconds, CancellationToken cancel)
    {
        var remaining = dueSeconds - clock.Elapsed.TotalSeconds;
        if (remaining > 0.010)
        {
            // At most a slice at a time: the caller re-checks the duration, so a very low rate cannot outlast it.
            cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Min(remaining - 0.002, MaximumWaitSeconds)));
        }
        else if (remaining > SpinSeconds)
        {
            LinuxNative.Sleep(remaining - SpinSeconds);
        }
        else
        {
            Thread.SpinWait(20);
        }
    }

    /// <summary>The end of a wait spun rather than slept: more than the kernel's timer slack (50 µs) and a wake-up.</summary>
    private const double SpinSeconds = 0.0002;
}
