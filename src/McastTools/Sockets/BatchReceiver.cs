using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace McastLab.McastTools.Sockets;

/// <summary>One datagram of a batch: its bytes, sender, received TTL, kernel arrival time and socket drops.</summary>
internal readonly ref struct ReceivedDatagram
{
    public ReadOnlySpan<byte> Data { get; init; }
    public IPEndPoint Source { get; init; }
    public int? Ttl { get; init; }
    /// <summary>When the kernel received it (SO_TIMESTAMPNS), else when mcast read it: ns since the Unix epoch.</summary>
    public long ArrivalNanos { get; init; }
    public long? KernelDrops { get; init; }

    /// <summary>The destination address (4 or 16 bytes) when the socket asked for it (several groups), else empty.</summary>
    public ReadOnlySpan<byte> Destination { get; init; }
}

/// <summary>
/// Receives up to <see cref="BatchSize"/> datagrams per system call with recvmmsg, with control messages
/// for the TTL/hop limit (IP_RECVTTL), kernel timestamps (SO_TIMESTAMPNS) and socket drops (SO_RXQ_OVFL).
/// </summary>
internal sealed unsafe class BatchReceiver : IDisposable
{
    public const int BatchSize = 64;
    private const int DatagramBytes = 65_536;
    private const int NameBytes = 128;
    private const int ControlBytes = 256;

    private readonly Socket _socket;
    private readonly LinuxNative.MMsgHdr* _messages;
    private readonly LinuxNative.IoVec* _iov;
    private readonly byte* _data;
    private readonly byte* _names;
    private readonly byte* _control;
    private byte[] _lastName = [];
    private IPEndPoint? _lastSource;

    public BatchReceiver(Socket socket)
    {
        _socket = socket;
        _messages = (LinuxNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(LinuxNative.MMsgHdr)));
        _iov = (LinuxNative.IoVec*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(LinuxNative.IoVec)));
        _data = (byte*)NativeMemory.Alloc((nuint)(BatchSize * DatagramBytes));
        _names = (byte*)NativeMemory.AllocZeroed(BatchSize * NameBytes);
        _control = (byte*)NativeMemory.AllocZeroed(BatchSize * ControlBytes);
    }

    /// <summary>Waits (up to the socket's receive timeout) for datagrams; returns how many arrived, 0 on timeout.</summary>
    public int Receive() => Receive(_socket);

    /// <summary>The same from another socket of the run: one set of buffers serves every socket of a group range.</summary>
    public int Receive(Socket socket)
    {
        for (var i = 0; i < BatchSize; i++)
        {
            _iov[i] = new LinuxNative.IoVec { Base = _data + (i * DatagramBytes), Length = DatagramBytes };
            _messages[i] = new LinuxNative.MMsgHdr
            {
                Header = new LinuxNative.MsgHdr
                {
                    Name = _names + (i * NameBytes),
                    NameLength = NameBytes,
                    Iov = _iov + i,
                    IovLength = 1,
                    Control = _control + (i * ControlBytes),
                    ControlLength = ControlBytes,
                },
            };
        }

        var fd = (int)socket.SafeHandle.DangerousGetHandle();
        var count = LinuxNative.RecvMMsg(fd, _messages, BatchSize, LinuxNative.MsgWaitForOne, null);
        if (count >= 0)
        {
            return count;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is LinuxNative.EAgain or LinuxNative.EIntr ? 0 : throw new SocketException(errno);
    }

    public ReceivedDatagram this[int index]
    {
        get
        {
            var header = _messages[index].Header;
            var data = new ReadOnlySpan<byte>(_data + (index * DatagramBytes), (int)_messages[index].Length);
            var name = new ReadOnlySpan<byte>(header.Name, (int)header.NameLength);
            int? ttl = null;
            long arrival = 0;
            long? drops = null;
            var destination = ReadOnlySpan<byte>.Empty;
            var control = new ReadOnlySpan<byte>(header.Control, (int)header.ControlLength);
            // struct cmsghdr { size_t len; int level; int type; } then data, each aligned to 8 bytes.
            while (control.Length >= 16)
            {
                var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(control);
                if (length < 16 || length > control.Length)
                {
                    break;
                }

                var level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
                var type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
                var payload = control[16..length];
                switch (level, type)
                {
                    case (LinuxNative.IpProtoIp, LinuxNative.IpTtl):
                    case (LinuxNative.IpProtoIpv6, LinuxNative.Ipv6HopLimit):
                        ttl = BinaryPrimitives.ReadInt32LittleEndian(payload);
                        break;
                    case (LinuxNative.SolSocket, LinuxNative.SoTimestampNs):
                        arrival = (BinaryPrimitives.ReadInt64LittleEndian(payload) * 1_000_000_000) + BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
                        break;
                    case (LinuxNative.SolSocket, LinuxNative.SoRxqOvfl):
                        drops = BinaryPrimitives.ReadUInt32LittleEndian(payload);
                        break;
                    case (LinuxNative.IpProtoIp, LinuxNative.IpPktInfo):
                        // struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr }: addr is the header's destination.
                        destination = payload.Slice(8, 4);
                        break;
                    case (LinuxNative.IpProtoIpv6, LinuxNative.Ipv6PktInfo):
                        // struct in6_pktinfo { in6_addr addr; int ifindex }.
                        destination = payload[..16];
                        break;
                }

                control = control[Math.Min(control.Length, (length + 7) & ~7)..];
            }

            if (arrival == 0)
            {
                arrival = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
            }

            return new ReceivedDatagram { Data = data, Source = SourceOf(name), Ttl = ttl, ArrivalNanos = arrival, KernelDrops = drops, Destination = destination };
        }
    }

    /// <summary>Decodes the sender's sockaddr, reusing the previous one when the bytes repeat (the usual case).</summary>
    private IPEndPoint SourceOf(ReadOnlySpan<byte> name)
    {
        if (_lastSource is not null && name.SequenceEqual(_lastName))
        {
            return _lastSource;
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(name);
        var port = BinaryPrimitives.ReadUInt16BigEndian(name[2..]);
        var address = family == 10
            ? new IPAddress(name.Slice(8, 16), BinaryPrimitives.ReadUInt32LittleEndian(name[24..]))
            : new IPAddress(name.Slice(4, 4));
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        _lastName = name.ToArray();
        _lastSource = new IPEndPoint(address, port);
        return _lastSource;
    }

    public void Dispose()
    {
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_data);
        NativeMemory.Free(_names);
        NativeMemory.Free(_control);
    }
}
