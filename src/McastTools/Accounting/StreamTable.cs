namespace McastLab.McastTools.Accounting;

/// <summary>Every stream seen so far, in order of first arrival.</summary>
internal sealed class StreamTable
{
    private readonly Dictionary<StreamKey, StreamCounters> _streams = [];
    private readonly List<StreamKey> _order = [];

    public IReadOnlyList<StreamKey> Keys => _order;

    public int Count => _order.Count;

    public StreamCounters this[StreamKey key] => _streams[key];

    public StreamCounters For(StreamKey key)
    {
        if (!_streams.TryGetValue(key, out var counters))
        {
            counters = new StreamCounters();
            _streams.Add(key, counters);
            _order.Add(key);
        }

        return counters;
    }

    /// <summary>True when at least one stream carried data and every such stream has said it ended.</summary>
    public bool AllDataStreamsEnded
    {
        get
        {
            var any = false;
            foreach (var counters in _streams.Values)
            {
                if (!counters.HasData)
                {
                    continue;
                }

                if (!counters.Ended)
                {
                    return false;
                }

                any = true;
            }

            return any;
        }
    }
}
