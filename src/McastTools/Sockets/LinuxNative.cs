using System.Runtime.InteropServices;

namespace McastLab.McastTools.Sockets;

/// <summary>Linux socket calls and constants .NET does not expose (batch I/O, SSM, control messages).</summary>
internal static unsafe partial class LinuxNative
{
    // The versioned name: a bare "libc" makes the runtime dlopen libc.so, which only libc6-dev installs,
    // so the binary would fail on a slim image.
    private const string Libc = "libc.so.6";

    public const int SolSocket = 1;
    public const int IpProtoIp = 0;
    public const int IpProtoIpv6 = 41;

    public const int SoRcvbuf = 8;
    public const int SoSndbuf = 7;
    public const int SoRcvtimeo = 20;
    public const int SoRcvbufForce = 33;
    public const int SoSndbufForce = 32;
    public const int SoTimestampNs = 35;
    public const int SoRxqOvfl = 40;

    public const int IpTos = 1;
    public const int IpTtl = 2;
    public const int IpPktInfo = 8;
    public const int IpRecvTtl = 12;
    public const int IpMulticastIf = 32;
    public const int IpMulticastTtl = 33;
    public const int IpAddSourceMembership = 39;
    public const int IpMulticastAll = 49;

    public const int Ipv6MulticastIf = 17;
    public const int Ipv6MulticastHops = 18;
    public const int Ipv6MulticastAll = 29;
    public const int Ipv6RecvPktInfo = 49;
    public const int Ipv6PktInfo = 50;
    public const int Ipv6RecvHopLimit = 51;
    public const int Ipv6HopLimit = 52;
    public const int Ipv6TClass = 67;
    public const int McastJoinGroup = 42;
    public const int McastLeaveGroup = 45;
    public const int McastLeaveSourceGroup = 47;
    public const int McastJoinSourceGroup = 46;

    public const int MsgWaitForOne = 0x10000;
    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int ENoMem = 12;
    public const int ENoBufs = 105;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport(Libc, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Libc, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Libc, EntryPoint = "nanosleep", SetLastError = true)]
    private static partial int NanoSleep(TimeSpec* request, TimeSpec* remaining);

    /// <summary>Sleeps for the time with the kernel's timer precision (tens of microseconds; .NET's waits round to milliseconds).</summary>
    public static void Sleep(double seconds)
    {
        var request = new TimeSpec { Seconds = (long)seconds, Nanoseconds = (long)((seconds - Math.Floor(seconds)) * 1e9) };
        NanoSleep(&request, null);
    }

    [LibraryImport(Libc, EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);
}
