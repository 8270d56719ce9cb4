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
/// Where the receive loop (single-threaded, it owns every counter) leaves a copy of its state for the
/// metrics endpoint, a few times a second: a scrape never waits for the loop and never sees half an update.
/// </summary>
internal sealed class MetricsBoard
{
    /// <summary>How stale a scrape can be; counting goes on between publications.</summary>
    public const double PublishSeconds = 0.2;

    private volatile PublishedState? _latest;

    public PublishedState? Latest => _latest;

    public void Publish(double now, IReadOnlyList<IPAddress> groups, int sockets, long kernelDrops, StreamTable streams)
    {
        var published = new List<PublishedStream>(streams.Count);
        foreach (var key in streams.Keys)
        {
            var counters = streams[key];
            published.Add(new PublishedStream(key, counters.Snapshot(kernelDrops), counters.LastSeen));
        }

        _latest = new PublishedState(groups, sockets, kernelDrops, now, Stopwatch.GetTimestamp(), published);
    }
}
