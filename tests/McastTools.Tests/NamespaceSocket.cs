using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace McastLab.McastTools.Tests;

/// <summary>
/// A UDP socket of the test process inside a lab namespace: a network namespace is per thread on Linux, so a
/// thread enters it with setns, opens the socket (which stays in that namespace) and leaves. Lets a test read
/// what mcast put on the wire, e.g. the sender timestamps of its datagrams.
/// </summary>
internal static partial class NamespaceSocket
{
    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc.so.6", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nsType);

    /// <summary>A socket bound to <paramref name="group"/>:<paramref name="port"/>, joined on the interface that has <paramref name="local"/>.</summary>
    public static Socket JoinGroup(string ns, IPAddress group, int port, IPAddress local)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{ns}");
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns into {ns} failed: errno {Marshal.GetLastPInvokeError()}");
                }

                socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(group, port));
                socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(group, local));
                socket.ReceiveTimeout = 10_000;
            }
            catch (Exception e)
            {
                socket?.Dispose();
                failure = e;
            }
        });
        thread.Start();
        // The thread ends still in the namespace; it is not reused.
        thread.Join();
        return failure is null ? socket! : throw new InvalidOperationException($"could not open a socket in {ns}", failure);
    }
}
