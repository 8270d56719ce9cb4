using McastLab.McastTools.Accounting;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Tests;

/// <summary>The accounting definitions from the issue, on crafted id sequences.</summary>
public sealed class AccountingTests
{
    private static byte[] Datagram(long id, long sentMicros = 1_000_000_000_000, int length = 100)
    {
        var bytes = DatagramTemplate.Create(length);
        new IperfHeader(id, (uint)(sentMicros / 1_000_000), (uint)(sentMicros % 1_000_000)).Write(bytes);
        return bytes;
    }

    private static StreamSnapshot Feed(params long[] ids)
    {
        var counters = new StreamCounters();
        foreach (var id in ids)
        {
            counters.Record(Datagram(id), 0, 1_000_000_000_000_000, 64);
        }

        return counters.Snapshot(0);
    }

    [Fact]
    public void An_unbroken_sequence_has_nothing_to_report()
    {
        var s = Feed(1, 2, 3, 4, 5);

        Assert.Equal((5, 0, 0, 0, 0), (s.Received, s.Lost, s.OutOfOrder, s.Duplicates, s.Invalid));
        Assert.Equal(500, s.Bytes);
    }

    [Fact]
    public void Gaps_are_lost()
    {
        var s = Feed(1, 2, 5, 6, 10);

        Assert.Equal((5, 5, 0), (s.Received, s.Lost, s.OutOfOrder));
        Assert.Equal(50, s.LossPercent);
    }

    [Fact]
    public void A_late_arrival_is_out_of_order_and_no_longer_lost()
    {
        var s = Feed(1, 2, 4, 5, 3);

        Assert.Equal((5, 0, 1, 0), (s.Received, s.Lost, s.OutOfOrder, s.Duplicates));
    }

    [Fact]
    public void Duplicates_are_kept_apart_from_reordering()
    {
        var s = Feed(1, 2, 2, 3, 1, 3);

        Assert.Equal((3, 0, 0, 3), (s.Received, s.Lost, s.OutOfOrder, s.Duplicates));
    }

    [Fact]
    public void A_duplicate_of_a_late_arrival_is_a_duplicate()
    {
        var s = Feed(1, 3, 2, 2);

        Assert.Equal((3, 0, 1, 1), (s.Received, s.Lost, s.OutOfOrder, s.Duplicates));
    }

    [Fact]
    public void A_late_joiner_counts_loss_from_the_first_id_it_saw()
    {
        var s = Feed(1000, 1001, 1003);

        Assert.Equal((3, 1), (s.Received, s.Lost));
    }

    [Fact]
    public void An_earlier_id_after_a_late_join_extends_the_range_without_loss()
    {
        var s = Feed(1000, 1001, 999);

        Assert.Equal((3, 0, 1), (s.Received, s.Lost, s.OutOfOrder));
    }

    [Theory]
    [InlineData(0x7FFF_FFFDL)]
    [InlineData(0xFFFF_FFFDL)]
    [InlineData(0x1_FFFF_FFFDL)]
    public void Ids_past_2_31_and_2_32_count_like_any_other(long start)
    {
        var s = Feed(start, start + 1, start + 3, start + 2, start + 2, start + 5);

        Assert.Equal((5, 1, 1, 1), (s.Received, s.Lost, s.OutOfOrder, s.Duplicates));
    }

    [Fact]
    public void The_end_of_test_datagram_is_not_data_and_reveals_loss_at_the_tail()
    {
        var counters = new StreamCounters();
        foreach (var id in new long[] { 1, 2, 3 })
        {
            counters.Record(Datagram(id), 0, 1_000_000_000_000_000, null);
        }

        counters.Record(Datagram(IperfHeader.EndOfTestId(5)), 0, 1_000_000_000_000_000, null);
        // A retried end-of-test datagram (iperf decrements the id) must not move the announced end.
        counters.Record(Datagram(IperfHeader.EndOfTestId(6)), 0, 1_000_000_000_000_000, null);
        var s = counters.Snapshot(0);

        Assert.True(counters.Ended);
        Assert.Equal((3, 2, 0), (s.Received, s.Lost, s.Invalid));
    }

    [Fact]
    public void Malformed_datagrams_are_invalid_and_change_nothing_else()
    {
        var counters = new StreamCounters();
        counters.Record(Datagram(1), 0, 1_000_000_000_000_000, null);
        counters.Record(new byte[10], 0, 1_000_000_000_000, null);
        counters.Record(Datagram(0), 0, 1_000_000_000_000_000, null);
        counters.Record(Datagram(2), 0, 1_000_000_000_000_000, null);
        var s = counters.Snapshot(0);

        Assert.Equal((2, 0, 2), (s.Received, s.Lost, s.Invalid));
    }

    [Fact]
    public void An_id_too_far_behind_the_window_is_invalid()
    {
        var s = Feed(1, SequenceWindow.Size + 10, 2);

        Assert.Equal(1, s.Invalid);
        Assert.Equal(2, s.Received);
    }

    [Fact]
    public void A_big_forward_jump_forgets_old_slots()
    {
        // After the jump, the slot id 1 used is reused: id 1+Size must not look like a duplicate.
        var s = Feed(1, (3 * SequenceWindow.Size) + 1, (3 * SequenceWindow.Size) + 2);

        Assert.Equal(0, s.Duplicates);
        Assert.Equal(3, s.Received);
    }

    [Fact]
    public void Jitter_follows_rfc_3550_from_the_sender_timestamps()
    {
        var counters = new StreamCounters();
        // Sent every 10 ms; arrivals alternate 0 and +1 ms late: |D| = 1000 µs after the first packet.
        for (var i = 0; i < 4; i++)
        {
            var sent = 1_000_000_000_000L + (i * 10_000);
            counters.Record(Datagram(i + 1, sent), 0, (sent + 500 + (i % 2 * 1000)) * 1000, null);
        }

        var jitterMicros = 0.0;
        for (var i = 0; i < 3; i++)
        {
            jitterMicros += (1000 - jitterMicros) / 16;
        }

        Assert.Equal(jitterMicros / 1000, counters.Snapshot(0).JitterMs, 9);
        Assert.Equal(0.5, counters.Snapshot(0).LatencyMinMs);
        Assert.Equal(1.5, counters.Snapshot(0).LatencyMaxMs);
    }

    [Fact]
    public void Latency_is_withheld_when_clocks_are_not_comparable()
    {
        var counters = new StreamCounters();
        counters.Record(Datagram(1, 2_000_000_000_000), 0, 1_000_000_000_000_000, null);

        Assert.Null(counters.Snapshot(0).LatencyAvgMs);
    }

    [Fact]
    public void Intervals_are_differences_of_snapshots()
    {
        var counters = new StreamCounters();
        counters.Record(Datagram(1), 0, 1_000_000_000_000_000, null);
        counters.Record(Datagram(3), 0, 1_000_000_000_000_000, null);
        var first = counters.Snapshot(7);
        counters.Record(Datagram(2), 1, 1_000_000_000_000_000, null);
        counters.Record(Datagram(4), 1, 1_000_000_000_000_000, null);
        var second = counters.Snapshot(9).Since(first);

        Assert.Equal((2, 0, 1, 2), (second.Received, second.Lost, second.OutOfOrder, second.KernelDrops));
    }

    [Fact]
    public void Streams_end_when_every_stream_with_data_has_ended()
    {
        var table = new StreamTable();
        var a = new StreamKey(System.Net.IPAddress.Parse("10.0.0.12"), 4000);
        var b = new StreamKey(System.Net.IPAddress.Parse("10.0.0.14"), 4000);
        var junk = new StreamKey(System.Net.IPAddress.Parse("10.0.0.99"), 1);
        table.For(a).Record(Datagram(1), 0, 0, null);
        table.For(b).Record(Datagram(1), 0, 0, null);
        table.For(junk).Record(new byte[3], 0, 0, null);
        table.For(a).Record(Datagram(-2), 0, 0, null);
        Assert.False(table.AllDataStreamsEnded);

        table.For(b).Record(Datagram(-2), 0, 0, null);

        Assert.True(table.AllDataStreamsEnded);
        Assert.Equal(3, table.Count);
    }
}
