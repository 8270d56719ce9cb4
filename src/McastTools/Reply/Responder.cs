using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Reports;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Reply;

/// <summary>What a pong run did.</summary>
internal sealed record ResponderResult(long Answered, int Senders, double Seconds, string Reason, bool Interrupted)
{
    public int ExitCode => Interrupted ? 130 : 0;
}

/// <summary>
/// `mcast pong`: joins the group and sends every datagram back, unchanged, to its sender's address and port
/// (unicast, from the group's port), so `mcast send --rtt` times the round trip on its own clock.
/// </summary>
internal sealed class Responder(ReceivePlan plan, TextWriter output)
{
    private static readonly TimeSpan Wakeup = TimeSpan.FromMilliseconds(50);

    public ResponderResult Run(CancellationToken cancel)
    {
        using var socket = MulticastSockets.OpenReceiver(plan.Endpoint, out var buffer);
        MulticastSockets.SetReceiveTimeout(socket, Wakeup);
        using var batch = new BatchReceiver(socket);
        output.WriteLine(TextReport.Joined(plan, buffer, "pong"));
        output.Flush();

        var senders = new HashSet<IPEndPoint>();
        IPEndPoint? lastSender = null;
        SocketAddress? lastAddress = null;
        long answered = 0;
        var clock = Stopwatch.StartNew();
        var lastDatagram = 0.0;
        string reason;
        while (true)
        {
            var count = batch.Receive();
            for (var i = 0; i < count; i++)
            {
                var datagram = batch[i];
                // The receiver hands back the same endpoint while the sender repeats: serialize it once.
                if (!ReferenceEquals(datagram.Source, lastSender))
                {
                    lastSender = datagram.Source;
                    lastAddress = lastSender.Serialize();
                    senders.Add(lastSender);
                }

                socket.SendTo(datagram.Data, SocketFlags.None, lastAddress!);
                answered++;
            }

            var now = clock.Elapsed.TotalSeconds;
            if (count > 0)
            {
                lastDatagram = now;
            }

            if (plan.StopReason(now, lastDatagram, cancel) is { } stop)
            {
                reason = stop;
                break;
            }
        }

        return new ResponderResult(answered, senders.Count, clock.Elapsed.TotalSeconds, reason, cancel.IsCancellationRequested);
    }
}
