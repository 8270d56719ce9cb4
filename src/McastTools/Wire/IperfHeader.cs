using System.Buffers.Binary;

namespace McastLab.McastTools.Wire;

/// <summary>What a datagram's first 16 bytes say, in iperf 2's UDP header layout.</summary>
internal enum DatagramKind
{
    Data,
    EndOfTest,
    Invalid,
}

/// <summary>
/// The iperf 2.1.8 UDP header, big-endian: bytes 0-3 low 32 bits of the id, 4-7 tv_sec, 8-11 tv_usec,
/// 12-15 high 32 bits of the id. A negative 64-bit id, -(last+1), marks the end of a test.
/// </summary>
internal readonly record struct IperfHeader(long Id, uint Seconds, uint Microseconds)
{
    public const int Size = 16;

    /// <summary>Byte 16: the receiver reads the flags there, so it must never hold payload.</summary>
    public const int FlagsOffset = 16;

    /// <summary>Where iperf 2.1.8 starts its ASCII pattern: the extended header and zero padding end at 159.</summary>
    public const int PatternOffset = 160;

    public static DatagramKind TryRead(ReadOnlySpan<byte> datagram, out IperfHeader header)
    {
        header = default;
        if (datagram.Length < Size)
        {
            return DatagramKind.Invalid;
        }

        var low = BinaryPrimitives.ReadUInt32BigEndian(datagram);
        var seconds = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        var microseconds = BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]);
        var high = BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]);
        var id = (long)(((ulong)high << 32) | low);
        header = new IperfHeader(id, seconds, microseconds);
        if (id == 0 || microseconds >= 1_000_000)
        {
            return DatagramKind.Invalid;
        }

        return id < 0 ? DatagramKind.EndOfTest : DatagramKind.Data;
    }

    public void Write(Span<byte> datagram)
    {
        BinaryPrimitives.WriteUInt32BigEndian(datagram, (uint)Id);
        BinaryPrimitives.WriteUInt32BigEndian(datagram[4..], Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(datagram[8..], Microseconds);
        BinaryPrimitives.WriteUInt32BigEndian(datagram[12..], (uint)((ulong)Id >> 32));
    }

    /// <summary>The id an end-of-test datagram carries after data ids 1..lastId: -(lastId+1).</summary>
    public static long EndOfTestId(long lastId) => -(lastId + 1);

    /// <summary>Sender time in microseconds since the Unix epoch.</summary>
    public long TimestampMicroseconds => (Seconds * 1_000_000L) + Microseconds;

    public static IperfHeader At(long id, DateTime utc)
    {
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        var micros = ticks / 10;
        return new IperfHeader(id, (uint)(micros / 1_000_000), (uint)(micros % 1_000_000));
    }
}
