using System.Diagnostics;
using System.Net;
using McastLab.McastTools.Accounting;

namespace McastLab.McastTools.Metrics;

/// <summary>One stream as the receiver last published it.</summary>
internal sealed record PublishedStream(StreamKey Key, StreamSnapshot Counters, double LastSeen);

/// <summary>The receiver's state at one moment: immutable, so the HTTP thread reads it without locks.</summary>
internal sealed record PublishedState(IReadOnlyList<IPAddress> Groups, int Sockets, long KernelDrops, double Now, long PublishedAt, IReadOnlyList<PublishedStream> Streams)
{
    /// <summary>The receiver's clock now: its time at publication plus what has passed since.</summary>
    public double CurrentTime => Now + Stopwatch.GetElapsedTime(PublishedAt).TotalSeconds;
}

/// <summary>
/// Where the receive loop (single-threaded, it owns every counter) leaves a copy of its state for the metrics
/// endpoint. It copies on demand: a scrape asks, the loop (awake at least every 50 ms) publishes, and the scrape
/// takes that copy; a snapshot holds each stream's latency histogram, too costly to copy between scrapes.
/// </summary>
internal sealed class MetricsBoard
{
    private readonly object _gate = new();
    private volatile PublishedState? _latest;
    private volatile bool _wanted = true;
    private long _version;

    public PublishedState? Latest => _latest;

    /// <summary>True when a scrape waits for a publication (and before the first one).</summary>
    public bool Wanted => _wanted;

    public void Publish(double now, IReadOnlyList<IPAddress> groups, int sockets, long kernelDrops, StreamTable streams)
    {
        var published = new List<PublishedStream>(streams.Count);
        foreach (var key in streams.Keys)
        {
            var counters = streams[key];
            published.Add(new PublishedStream(key, counters.Snapshot(kernelDrops), counters.LastSeen));
        }

        var state = new PublishedState(groups, sockets, kernelDrops, now, Stopwatch.GetTimestamp(), published);
        lock (_gate)
        {
            _latest = state;
            _version++;
            _wanted = false;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Asks the loop for a publication and waits for it; after <paramref name="timeout"/> the latest one will do.</summary>
    public PublishedState? Fresh(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            var version = _version;
            _wanted = true;
            while (_version == version)
            {
                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (remaining <= TimeSpan.Zero || !Monitor.Wait(_gate, remaining))
                {
                    break;
                }
            }

            return _latest;
        }
    }
}
