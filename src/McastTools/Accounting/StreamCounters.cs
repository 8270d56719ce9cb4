using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Accounting;

/// <summary>
/// Per-stream accounting, counted from the first id received: received = distinct ids; duplicates =
/// further copies; outOfOrder = arrivals after a higher id that are not duplicates; lost = ids between the
/// lowest and the highest id seen (or the last id an end-of-test datagram announces) that have not arrived.
/// </summary>
internal sealed class StreamCounters
{
    private readonly SequenceWindow _window = new();
    private long _received;
    private long _bytes;
    private long _outOfOrder;
    private long _duplicates;
    private long _invalid;
    private long? _lastIdAnnounced;
    private double _jitterMicros;
    private double? _previousTransitMicros;
    private int? _ttl;
    private double _latencyMin = double.MaxValue;
    private double _latencyMax = double.MinValue;
    private double _latencySum;
    private long _latencyCount;
    private readonly LatencyHistogram _latency = new();

    public bool HasData => _received > 0;

    /// <summary>True once an end-of-test datagram arrived.</summary>
    public bool Ended => _lastIdAnnounced.HasValue;

    /// <summary>Seconds on the receiver's clock of the first and latest datagram.</summary>
    public double FirstSeen { get; private set; } = double.NaN;
    public double LastSeen { get; private set; } = double.NaN;

    public long Lost
    {
        get
        {
            if (_received == 0)
            {
                return 0;
            }

            var highest = Math.Max(_window.Highest, _lastIdAnnounced ?? long.MinValue);
            return Math.Max(0, highest - _window.Lowest + 1 - _received);
        }
    }

    /// <summary>Counts one datagram. <paramref name="arrivalNanos"/> is the kernel's receive time on the wall clock (ns since epoch).</summary>
    public void Record(ReadOnlySpan<byte> datagram, double now, long arrivalNanos, int? ttl)
    {
        Touch(now);
        switch (IperfHeader.TryRead(datagram, out var header))
        {
            case DatagramKind.Invalid:
                _invalid++;
                return;
            case DatagramKind.EndOfTest:
                var last = -header.Id - 1;
                _lastIdAnnounced = Math.Min(_lastIdAnnounced ?? long.MaxValue, last);
                return;
        }

        var arrival = _window.Record(header.Id);
        switch (arrival)
        {
            case Arrival.TooOld:
                _invalid++;
                return;
            case Arrival.Duplicate:
                _duplicates++;
                return;
            case Arrival.OutOfOrder:
                _outOfOrder++;
                break;
        }

        _received++;
        _bytes += datagram.Length;
        if (ttl.HasValue)
        {
            _ttl = ttl;
        }

        // RFC 3550 interarrival jitter from the sender's timestamps.
        var transitNanos = arrivalNanos - (header.TimestampMicroseconds * 1000);
        _latency.Record(transitNanos);
        var transit = transitNanos / 1000.0;
        if (_previousTransitMicros is { } previous)
        {
            _jitterMicros += (Math.Abs(transit - previous) - _jitterMicros) / 16;
        }

        _previousTransitMicros = transit;
        var latencyMs = transit / 1000;
        _latencyMin = Math.Min(_latencyMin, latencyMs);
        _latencyMax = Math.Max(_latencyMax, latencyMs);
        _latencySum += latencyMs;
        _latencyCount++;
    }

    private void Touch(double now)
    {
        if (double.IsNaN(FirstSeen))
        {
            FirstSeen = now;
        }

        LastSeen = now;
    }

    public StreamSnapshot Snapshot(long kernelDrops)
    {
        // One-way latency only means something when both clocks agree; a negative one proves they do not.
        var comparable = _latencyCount > 0 && _latencyMin >= 0;
        return new StreamSnapshot
        {
            Received = _received,
            Bytes = _bytes,
            Lost = Lost,
            OutOfOrder = _outOfOrder,
            Duplicates = _duplicates,
            Invalid = _invalid,
            JitterMs = _jitterMicros / 1000,
            Ttl = _ttl,
            KernelDrops = kernelDrops,
            LatencyMinMs = comparable ? _latencyMin : null,
            LatencyMaxMs = comparable ? _latencyMax : null,
            LatencyAvgMs = comparable ? _latencySum / _latencyCount : null,
            LatencySumMs = comparable ? _latencySum : 0,
            LatencyCount = comparable ? _latencyCount : 0,
            Latency = comparable ? _latency.Copy() : null,
        };
    }
}
