using System.Diagnostics;
using System.Net.Sockets;
using McastLab.McastTools.Accounting;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Send;

/// <summary>
/// Counts what `mcast pong` sends back to a sender's socket (send --rtt), on its own thread: each responder
/// is a stream, and a reply's latency (the kernel's receive time minus the send time the datagram carries,
/// both from this host's clock) is the round trip, so the hosts' clocks need not agree.
/// </summary>
internal sealed class ReplyCollector : IDisposable
{
    private static readonly TimeSpan Wakeup = TimeSpan.FromMilliseconds(50);
    private readonly BatchReceiver _batch;
    private readonly StreamTable _responders = new();
    private readonly Thread _thread;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile bool _stop;
    private volatile bool _allEnded;
    private long _kernelDrops;

    public ReplyCollector(Socket socket)
    {
        MulticastSockets.PrepareForReplies(socket, Wakeup);
        _batch = new BatchReceiver(socket);
        _thread = new Thread(Collect) { IsBackground = true, Name = "replies" };
        _thread.Start();
    }

    private void Collect()
    {
        while (!_stop)
        {
            var count = _batch.Receive();
            var now = _clock.Elapsed.TotalSeconds;
            for (var i = 0; i < count; i++)
            {
                var reply = _batch[i];
                _responders.For(new StreamKey(reply.Source.Address, reply.Source.Port)).Record(reply.Data, now, reply.ArrivalNanos, reply.Ttl);
                _kernelDrops = reply.KernelDrops ?? _kernelDrops;
            }

            if (count > 0)
            {
                _allEnded = _responders.AllDataStreamsEnded;
            }
        }
    }

    /// <summary>
    /// Waits until every responder has echoed the end-of-test datagram (at most <paramref name="graceSeconds"/>,
    /// since a responder can lose it), then stops and returns each responder's counters.
    /// </summary>
    public IReadOnlyList<(StreamKey Responder, StreamSnapshot Replies)> Finish(double graceSeconds, CancellationToken cancel)
    {
        var deadline = _clock.Elapsed.TotalSeconds + graceSeconds;
        while (!_allEnded && !cancel.IsCancellationRequested && _clock.Elapsed.TotalSeconds < deadline)
        {
            Thread.Sleep(5);
        }

        _stop = true;
        _thread.Join();
        return [.. _responders.Keys.Select(key => (key, _responders[key].Snapshot(_kernelDrops)))];
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _batch.Dispose();
    }
}
