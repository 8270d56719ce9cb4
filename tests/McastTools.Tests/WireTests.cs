using System.Buffers.Binary;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Tests;

/// <summary>The iperf 2 header against datagrams captured from iperf 2.1.8 (TestData/iperf218-*.bin).</summary>
public sealed class WireTests
{
    private static byte[] Captured(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", name));

    [Fact]
    public void Decodes_the_first_iperf_datagram()
    {
        var bytes = Captured("iperf218-v4-l1470-id1.bin");

        Assert.Equal(1470, bytes.Length);
        Assert.Equal(DatagramKind.Data, IperfHeader.TryRead(bytes, out var header));
        Assert.Equal(1, header.Id);
        Assert.Equal(0x6b0a93e3u, header.Seconds);
        Assert.Equal(0x000a442fu, header.Microseconds);
        // iperf 2.1.8 announces its extended header in the flags word at byte 16.
        Assert.Equal(0x48010098u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(IperfHeader.FlagsOffset)));
    }

    [Theory]
    [InlineData("iperf218-v4-l1470-id2.bin", 2, 1470)]
    [InlineData("iperf218-v4-l64-id1.bin", 1, 76)]
    [InlineData("iperf218-v4-l64-id2.bin", 2, 64)]
    [InlineData("iperf218-v6-l1450-id1.bin", 1, 1450)]
    public void Decodes_data_datagrams(string file, long id, int length)
    {
        var bytes = Captured(file);

        Assert.Equal(length, bytes.Length);
        Assert.Equal(DatagramKind.Data, IperfHeader.TryRead(bytes, out var header));
        Assert.Equal(id, header.Id);
        Assert.InRange(header.Microseconds, 0u, 999_999u);
    }

    [Fact]
    public void Decodes_the_end_of_test_datagram_as_minus_last_plus_one()
    {
        Assert.Equal(DatagramKind.EndOfTest, IperfHeader.TryRead(Captured("iperf218-v4-l1470-fin.bin"), out var header));

        Assert.Equal(IperfHeader.EndOfTestId(2), header.Id);
        Assert.Equal(-3, header.Id);
    }

    [Fact]
    public void Our_payload_matches_iperf_after_the_header_and_keeps_the_flags_zero()
    {
        var iperf = Captured("iperf218-v4-l1470-id1.bin");
        var ours = DatagramTemplate.Create(1470);

        Assert.Equal(iperf.AsSpan(IperfHeader.PatternOffset).ToArray(), ours.AsSpan(IperfHeader.PatternOffset).ToArray());
        Assert.All(ours[IperfHeader.FlagsOffset..IperfHeader.PatternOffset], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Short_payloads_never_put_pattern_bytes_at_the_flags()
    {
        var ours = DatagramTemplate.Create(64);

        Assert.All(ours[IperfHeader.FlagsOffset..], b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(0x7FFF_FFFFL)]
    [InlineData(0x8000_0000L)]
    [InlineData(0x1_0000_0005L)]
    [InlineData(-0x1_0000_0006L)]
    public void Encodes_64_bit_ids_in_iperf_order(long id)
    {
        var bytes = new byte[IperfHeader.Size];
        new IperfHeader(id, 1_700_000_000, 999_999).Write(bytes);

        Assert.Equal((uint)id, BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.Equal((uint)((ulong)id >> 32), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(12)));
        IperfHeader.TryRead(bytes, out var read);
        Assert.Equal(new IperfHeader(id, 1_700_000_000, 999_999), read);
    }

    [Fact]
    public void Encoding_the_captured_header_fields_reproduces_the_captured_bytes()
    {
        var iperf = Captured("iperf218-v4-l1470-id2.bin");
        IperfHeader.TryRead(iperf, out var header);
        var bytes = new byte[IperfHeader.Size];

        header.Write(bytes);

        Assert.Equal(iperf[..IperfHeader.Size], bytes);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0x0F, 0x42, 0x40, 0, 0, 0, 0 })]
    public void Short_zero_id_or_impossible_microseconds_are_invalid(byte[] datagram)
    {
        Assert.Equal(DatagramKind.Invalid, IperfHeader.TryRead(datagram, out _));
    }
}
