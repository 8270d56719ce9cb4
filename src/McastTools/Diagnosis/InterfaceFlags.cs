using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace McastLab.McastTools.Diagnosis;

/// <summary>
/// An interface's flags as the kernel holds them (SIOCGIFFLAGS, allowed to any user and always of the
/// socket's own network namespace, unlike /sys, which shows the namespace that mounted it).
/// </summary>
internal sealed partial record InterfaceFlags(string Name, bool Up, bool Running, bool Multicast, bool Promiscuous, bool AllMulticast)
{
    private const ulong SiocGifFlags = 0x8913;

    public static InterfaceFlags? Of(string name)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // struct ifreq: char ifr_name[16], then the union whose first member is short ifr_flags.
        Span<byte> request = stackalloc byte[40];
        var bytes = Encoding.ASCII.GetBytes(name);
        if (bytes.Length > 15)
        {
            return null;
        }

        bytes.CopyTo(request);
        int result;
        unsafe
        {
            fixed (byte* p = request)
            {
                result = Ioctl((int)socket.Handle, SiocGifFlags, p);
            }
        }

        if (result != 0)
        {
            return null;
        }

        var flags = BinaryPrimitives.ReadUInt16LittleEndian(request[16..]);
        // IFF_UP 0x1, IFF_RUNNING 0x40, IFF_PROMISC 0x100, IFF_ALLMULTI 0x200, IFF_MULTICAST 0x1000.
        return new InterfaceFlags(name, (flags & 0x1) != 0, (flags & 0x40) != 0, (flags & 0x1000) != 0, (flags & 0x100) != 0, (flags & 0x200) != 0);
    }

    /// <summary>As `ip link` writes them: "UP,MULTICAST,..." (NO-MULTICAST and DOWN said out loud).</summary>
    public string Describe() => string.Join(',', new[]
    {
        Up ? "UP" : "DOWN",
        Running ? "RUNNING" : null,
        Multicast ? "MULTICAST" : "NO-MULTICAST",
        Promiscuous ? "PROMISC" : null,
        AllMulticast ? "ALLMULTI" : null,
    }.OfType<string>());

    [LibraryImport("libc.so.6", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, ulong request, byte* argument);
}
