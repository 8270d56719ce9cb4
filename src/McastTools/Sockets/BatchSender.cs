using System.Net.Sockets;
using System.Runtime.InteropServices;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Sockets;

/// <summary>
/// Sends up to <see cref="BatchSize"/> datagrams per system call with sendmmsg, on a connected socket or, given
/// a destination, on an unconnected one (which can then receive replies from anyone).
/// </summary>
internal sealed unsafe class BatchSender : IDisposable
{
    public const int BatchSize = 64;
    private readonly Socket _socket;
    private readonly int _length;
    private readonly byte* _data;
    private readonly LinuxNative.IoVec* _iov;
    private readonly LinuxNative.MMsgHdr* _messages;
    private readonly byte* _name;

    public BatchSender(Socket socket, byte[] template, System.Net.IPEndPoint? destination = null)
    {
        _socket = socket;
        _length = template.Length;
        _data = (byte*)NativeMemory.Alloc((nuint)(BatchSize * _length));
        _iov = (LinuxNative.IoVec*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(LinuxNative.IoVec)));
        _messages = (LinuxNative.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(BatchSize * sizeof(LinuxNative.MMsgHdr)));
        // SocketAddress holds the native sockaddr bytes.
        var name = destination?.Serialize();
        _name = (byte*)NativeMemory.AllocZeroed((nuint)(name?.Size ?? 1));
        name?.Buffer.Span[..name.Size].CopyTo(new Span<byte>(_name, name.Size));
        for (var i = 0; i < BatchSize; i++)
        {
            template.CopyTo(new Span<byte>(_data + (i * _length), _length));
            _iov[i] = new LinuxNative.IoVec { Base = _data + (i * _length), Length = (nuint)_length };
            _messages[i].Header.Iov = _iov + i;
            _messages[i].Header.IovLength = 1;
            if (name is not null)
            {
                _messages[i].Header.Name = _name;
                _messages[i].Header.NameLength = (uint)name.Size;
            }
        }
    }

    /// <summary>Sends ids first..first+count-1 stamped with <paramref name="now"/>; returns how many the kernel took.</summary>
    public int Send(long firstId, int count, DateTime now)
    {
        for (var i = 0; i < count; i++)
        {
            IperfHeader.At(firstId + i, now).Write(new Span<byte>(_data + (i * _length), IperfHeader.Size));
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
        NativeMemory.Free(_name);
    }
}
