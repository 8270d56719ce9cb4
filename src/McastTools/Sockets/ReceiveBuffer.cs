using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;

namespace McastLab.McastTools.Sockets;

/// <summary>
/// The receive buffer a socket asked for and really got. Without CAP_NET_ADMIN (a pod's uid 65534, for one)
/// SO_RCVBUFFORCE fails and SO_RCVBUF is capped at net.core.rmem_max, which drops bursts silently: say so.
/// </summary>
internal sealed record ReceiveBuffer(int RequestedBytes, int GrantedBytes, bool Forced)
{
    public bool Short => GrantedBytes < RequestedBytes;

    /// <summary>What getsockopt reports, halved: Linux doubles the value set (for its bookkeeping) and reports that.</summary>
    public static int Granted(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(LinuxNative.SolSocket, LinuxNative.SoRcvbuf, value);
        return BinaryPrimitives.ReadInt32LittleEndian(value) / 2;
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"receive buffer {Kib(GrantedBytes)} KiB");

    /// <summary>The warning line, or null when the buffer is what was asked for.</summary>
    public string? Warning() => Short
        ? string.Create(CultureInfo.InvariantCulture,
            $"mcast recv: warning: the receive buffer is {Kib(GrantedBytes)} KiB, less than the {Kib(RequestedBytes)} KiB asked for (no CAP_NET_ADMIN for SO_RCVBUFFORCE, and net.core.rmem_max is lower), so bursts can be dropped; raise it with 'sysctl -w net.core.rmem_max={RequestedBytes}' (on a pod's node) or run with CAP_NET_ADMIN.")
        : null;

    private static long Kib(int bytes) => bytes / 1024;
}
