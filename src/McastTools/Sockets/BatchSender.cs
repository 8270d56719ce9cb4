using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Sockets;

/// <summary>
/// Sends up to <see cref="BatchSize"/> datagrams per system call with sendmmsg, on a connected socket or, given
/// destinations, on an unconnected one (which can then receive replies from anyone, or send to several groups).
/// </summary>
internal sealed unsafe class BatchSender : IDisposable
{
    public const int BatchSize = 64;
    private const int NameBytes = 32;
    private readonly Socket _socket;
    private readonly int _length;
    private readonly byte* _data;
    private readonly LinuxNative.IoVec* _iov;
    private readonly LinuxNative.MMsgHdr* _messages;
    private readonly byte* _names;
    private readonly uint _nameLength;
    private readonly int _groups;

    /// <param name="destinations">
    /// Where an unconnected socket sends. With several groups, datagram n (1-based) goes to group (n-1) mod G with
    /// that group's id (n-1) div G + 1, so every group's ids run from 1 without gaps (a receiver counts each group apart).
    /// </param>
    public BatchSender(Socket socket, byte[] template, IReadOnlyList<IPEndPoint>? destinations = null)
    {
        _socket = socket;
        _length = template.Length;
        _data = (byte*)NativeMemory.Alloc((nuint)(BatchSize * _length));
        _iov = (LinuxNative.IoVec*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(LinuxNative.IoVec)));
        _messages = (LinuxNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(LinuxNative.MMsgHdr)));
        _groups = destinations?.Count ?? 0;
        // SocketAddress holds the native sockaddr bytes, an IPv6 group's scope included.
        _names = (byte*)NativeMemory.AllocZeroed((nuint)(Math.Max(1, _groups) * NameBytes));
        for (var g = 0; g < _groups; g++)
        {
            var name = destinations![g].Serialize();
            name.Buffer.Span[..name.Size].CopyTo(new Span<byte>(_names + (g * NameBytes), NameBytes));
            _nameLength = (uint)name.Size;
        }

        for (var i = 0; i < BatchSize; i++)
        {
            template.CopyTo(new Span<byte>(_data + (i * _length), _length));
            _iov[i] = new LinuxNative.IoVec { Base = _data + (i * _length), Length = (nuint)_length };
            _messages[i].Header.Iov = _iov + i;
            _messages[i].Header.IovLength = 1;
            if (_groups > 0)
            {
                _messages[i].Header.Name = _names;
                _messages[i].Header.NameLength = _nameLength;
            }
        }
    }

    /// <summary>The group datagram <paramref name="number"/> (1-based over the whole run) goes to, and its id there.</summary>
    public static (int Group, long Id) Place(long number, int groups) => ((int)((number - 1) % groups), ((number - 1) / groups) + 1);

    /// <summary>Sends datagrams first..first+count-1 (with several groups, spread by <see cref="Place"/>) stamped with <paramref name="now"/>; returns how many the kernel took.</summary>
    public int Send(long firstId, int count, DateTime now)
    {
        for (var i = 0; i < count; i++)
        {
            var (group, id) = _groups > 1 ? Place(firstId + i, _groups) : (0, firstId + i);
            IperfHeader.At(id, now).Write(new Span<byte>(_data + (i * _length), IperfHeader.Size));
            if (_groups > 1)
            {
                _messages[i].Header.Name = _names + (group * NameBytes);
            }
        }

        var fd = (int)_socket.SafeHandle.DangerousGetHandle();
        var sent = 0;
        while (sent < count)
        {
            var result = LinuxNative.SendMMsg(fd, _messages + sent, (uint)(count - sent), 0);
            if (result < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is LinuxNative.EIntr)
                {
                    continue;
                }

                // ENOBUFS and friends: the caller retries these ids on its next round.
                if (errno is LinuxNative.EAgain or 105)
                {
                    return sent;
                }

                throw new SocketException(errno);
            }

            sent += result;
        }

        return sent;
    }

    public void Dispose()
    {
        NativeMemory.Free(_data);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_messages);
        NativeMemory.Free(_names);
    }
}
