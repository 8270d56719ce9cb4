using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace McastLab.McastTools.Sockets;

/// <summary>Where a receiver listens: validated before any socket opens.</summary>
internal sealed record ReceiveEndpoint(GroupAddress Group, int Port, InterfaceCatalog.Interface? Interface, IPAddress? Source);

/// <summary>Where a sender sends from and to: validated before any socket opens.</summary>
internal sealed record SendEndpoint(GroupAddress Group, int Port, InterfaceCatalog.Interface? Interface, IPAddress? Bind, int Ttl, int? Tos);

/// <summary>Opens sockets for multicast the Linux way: raw options where .NET has no API (SSM, IP_MULTICAST_ALL).</summary>
internal static class MulticastSockets
{
    /// <summary>The socket buffer asked for unless told otherwise (mcast recv --rcvbuf).</summary>
    public const int BufferBytes = 16 << 20;

    public static Socket OpenReceiver(ReceiveEndpoint endpoint, out ReceiveBuffer buffer, int bufferBytes = BufferBytes)
    {
        // Binding to the group (not the wildcard) keeps other groups on the same port out.
        var socket = OpenUnjoined(endpoint, bindToGroup: true, out buffer, bufferBytes);
        try
        {
            JoinGroup(socket, endpoint, endpoint.Group.Address);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A receive socket with every option but no membership. Bound to the group it will hold alone, or to the
    /// wildcard for several groups, whose datagrams then carry their destination (IP_PKTINFO/IPV6_PKTINFO).
    /// </summary>
    public static Socket OpenUnjoined(ReceiveEndpoint endpoint, bool bindToGroup, out ReceiveBuffer buffer, int bufferBytes = BufferBytes)
    {
        var group = endpoint.Group;
        var family = group.Address.AddressFamily;
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            var forced = SetBuffer(socket, LinuxNative.SoRcvbufForce, LinuxNative.SoRcvbuf, bufferBytes);
            buffer = new ReceiveBuffer(bufferBytes, ReceiveBuffer.Granted(socket), forced);
            var ifIndex = endpoint.Interface?.Index ?? 0;
            var wildcard = group.IsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
            var bindAddress = !bindToGroup ? wildcard : group.IsIPv6 ? new IPAddress(group.Address.GetAddressBytes(), ifIndex) : group.Address;
            socket.Bind(new IPEndPoint(bindAddress, endpoint.Port));
            var level = group.IsIPv6 ? LinuxNative.IpProtoIpv6 : LinuxNative.IpProtoIp;
            if (group.IsIPv6)
            {
                // IPV6_MULTICAST_ALL came with Linux 4.20; an older kernel (CentOS 7's 3.10) refuses it.
                TrySetInt(socket, level, LinuxNative.Ipv6MulticastAll, 0);
                SetInt(socket, level, LinuxNative.Ipv6RecvHopLimit, 1);
            }
            else
            {
                // Without this, a socket bound to G also gets every group any socket on the host joined.
                SetInt(socket, level, LinuxNative.IpMulticastAll, 0);
                SetInt(socket, level, LinuxNative.IpRecvTtl, 1);
            }

            if (!bindToGroup)
            {
                SetInt(socket, level, group.IsIPv6 ? LinuxNative.Ipv6RecvPktInfo : LinuxNative.IpPktInfo, 1);
            }

            ReportArrivals(socket);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Joins one group on the endpoint's interface, source-specific when the endpoint names a source.</summary>
    public static void JoinGroup(Socket socket, ReceiveEndpoint endpoint, IPAddress group)
    {
        var isIPv6 = group.AddressFamily == AddressFamily.InterNetworkV6;
        var level = isIPv6 ? LinuxNative.IpProtoIpv6 : LinuxNative.IpProtoIp;
        var interfaceIPv4 = endpoint.Interface is null ? IPAddress.Any : endpoint.Interface.FirstIPv4;
        if (!isIPv6 && endpoint.Source is { } source && interfaceIPv4 is not null)
        {
            // struct ip_mreq_source { imr_multiaddr; imr_interface; imr_sourceaddr }: the interface by its address.
            var mreq = new byte[12];
            group.GetAddressBytes().CopyTo(mreq, 0);
            interfaceIPv4.GetAddressBytes().CopyTo(mreq, 4);
            source.GetAddressBytes().CopyTo(mreq, 8);
            socket.SetRawSocketOption(level, LinuxNative.IpAddSourceMembership, mreq);
        }
        else
        {
            // IPv6, an any-source join, or an interface without an IPv4 address (a bare macvlan child),
            // which is named by index instead.
            Join(socket, level, endpoint.Interface?.Index ?? 0, group, endpoint.Source);
        }
    }

    /// <summary>
    /// Leaves the endpoint's single group (MCAST_LEAVE_GROUP, or MCAST_LEAVE_SOURCE_GROUP for a source-specific join):
    /// the kernel sends the leave (IGMP/MLD) at once when it was the interface's last member, and the socket keeps its port.
    /// </summary>
    public static void LeaveGroup(Socket socket, ReceiveEndpoint endpoint)
    {
        var group = endpoint.Group.Address;
        var level = group.AddressFamily == AddressFamily.InterNetworkV6 ? LinuxNative.IpProtoIpv6 : LinuxNative.IpProtoIp;
        socket.SetRawSocketOption(level, endpoint.Source is null ? LinuxNative.McastLeaveGroup : LinuxNative.McastLeaveSourceGroup,
            GroupRequest(endpoint.Interface?.Index ?? 0, group, endpoint.Source));
    }

    /// <param name="connect">
    /// False for a sender that also receives replies (send --rtt): a connected UDP socket only accepts datagrams
    /// from the group, so it stays unconnected, bound to its own port, and sends to <see cref="Destination"/>.
    /// A range is never connected: it sends to <see cref="Destinations"/>.
    /// </param>
    public static Socket OpenSender(SendEndpoint endpoint, bool connect = true)
    {
        var group = endpoint.Group;
        var socket = new Socket(group.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            SetBuffer(socket, LinuxNative.SoSndbufForce, LinuxNative.SoSndbuf);
            if (endpoint.Bind is not null)
            {
                socket.Bind(new IPEndPoint(endpoint.Bind, 0));
            }

            var ifIndex = endpoint.Interface?.Index ?? 0;
            if (group.IsIPv6)
            {
                SetInt(socket, LinuxNative.IpProtoIpv6, LinuxNative.Ipv6MulticastIf, ifIndex);
                SetInt(socket, LinuxNative.IpProtoIpv6, LinuxNative.Ipv6MulticastHops, endpoint.Ttl);
                if (endpoint.Tos is { } tclass)
                {
                    SetInt(socket, LinuxNative.IpProtoIpv6, LinuxNative.Ipv6TClass, tclass);
                }

            }
            else
            {
                // struct ip_mreqn: the interface really chooses the outgoing link (iperf 2.1.8 ignores %dev).
                var mreqn = new byte[12];
                (endpoint.Bind ?? IPAddress.Any).GetAddressBytes().CopyTo(mreqn, 4);
                BinaryPrimitives.WriteInt32LittleEndian(mreqn.AsSpan(8), ifIndex);
                socket.SetRawSocketOption(LinuxNative.IpProtoIp, LinuxNative.IpMulticastIf, mreqn);
                SetInt(socket, LinuxNative.IpProtoIp, LinuxNative.IpMulticastTtl, endpoint.Ttl);
                if (endpoint.Tos is { } tos)
                {
                    SetInt(socket, LinuxNative.IpProtoIp, LinuxNative.IpTos, tos);
                }

            }

            // A range is sent to group by group, each datagram naming its own (BatchSender).
            if (connect && group.Count == 1)
            {
                socket.Connect(Destination(endpoint));
            }
            else if (endpoint.Bind is null)
            {
                socket.Bind(new IPEndPoint(group.IsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks for each datagram's kernel receive time (SO_TIMESTAMPNS) and the socket's drop count.</summary>
    private static void ReportArrivals(Socket socket)
    {
        SetInt(socket, LinuxNative.SolSocket, LinuxNative.SoRxqOvfl, 1);
        SetInt(socket, LinuxNative.SolSocket, LinuxNative.SoTimestampNs, 1);
    }

    /// <summary>Readies an unconnected sender's socket for the replies to what it sends (send --rtt).</summary>
    public static void PrepareForReplies(Socket socket, TimeSpan wakeup)
    {
        SetBuffer(socket, LinuxNative.SoRcvbufForce, LinuxNative.SoRcvbuf);
        ReportArrivals(socket);
        SetReceiveTimeout(socket, wakeup);
    }

    /// <summary>The group and port a sender sends to; an IPv6 group carries its interface as the scope.</summary>
    public static IPEndPoint Destination(SendEndpoint endpoint) => Destination(endpoint, endpoint.Group.Address);

    /// <summary>Every group of a range, in order, as <see cref="Destination(SendEndpoint)"/> writes one.</summary>
    public static IPEndPoint[] Destinations(SendEndpoint endpoint) => [.. endpoint.Group.Members.Select(group => Destination(endpoint, group))];

    private static IPEndPoint Destination(SendEndpoint endpoint, IPAddress group) => endpoint.Group.IsIPv6
        ? new IPEndPoint(new IPAddress(group.GetAddressBytes(), endpoint.Interface?.Index ?? 0), endpoint.Port)
        : new IPEndPoint(group, endpoint.Port);

    /// <summary>
    /// RFC 3678's joins, one layout for both families: MCAST_JOIN_GROUP takes struct group_req
    /// { u32 interface; sockaddr_storage group }, MCAST_JOIN_SOURCE_GROUP struct group_source_req
    /// { u32 interface; sockaddr_storage group, source }. The kernel handles an any-source one exactly as
    /// IP_ADD_MEMBERSHIP (ip_mreqn, by index) or IPV6_JOIN_GROUP.
    /// </summary>
    private static void Join(Socket socket, int level, int ifIndex, IPAddress group, IPAddress? source) =>
        socket.SetRawSocketOption(level, source is null ? LinuxNative.McastJoinGroup : LinuxNative.McastJoinSourceGroup, GroupRequest(ifIndex, group, source));

    private static byte[] GroupRequest(int ifIndex, IPAddress group, IPAddress? source)
    {
        var request = new byte[source is null ? 136 : 264];
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)ifIndex);
        WriteSockAddr(request.AsSpan(8, 128), group);
        if (source is not null)
        {
            WriteSockAddr(request.AsSpan(136, 128), source);
        }

        return request;
    }

    private static void WriteSockAddr(Span<byte> storage, IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(storage, 10);
            address.GetAddressBytes().CopyTo(storage[8..]);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(storage, 2);
            address.GetAddressBytes().CopyTo(storage[4..]);
        }
    }

    /// <summary>Wakes a blocked receive this often, so intervals and Ctrl+C are handled without packets.</summary>
    public static void SetReceiveTimeout(Socket socket, TimeSpan timeout)
    {
        var timeval = new byte[16];
        var micros = (long)(timeout.TotalMilliseconds * 1000);
        BinaryPrimitives.WriteInt64LittleEndian(timeval, micros / 1_000_000);
        BinaryPrimitives.WriteInt64LittleEndian(timeval.AsSpan(8), micros % 1_000_000);
        socket.SetRawSocketOption(LinuxNative.SolSocket, LinuxNative.SoRcvtimeo, timeval);
    }

    /// <summary>True when the *FORCE variant worked (CAP_NET_ADMIN): it ignores net.core.[rw]mem_max.</summary>
    private static bool SetBuffer(Socket socket, int forceOption, int option, int bytes = BufferBytes)
    {
        if (TrySetInt(socket, LinuxNative.SolSocket, forceOption, bytes))
        {
            return true;
        }

        // Otherwise the kernel caps the value at the limit.
        TrySetInt(socket, LinuxNative.SolSocket, option, bytes);
        return false;
    }

    private static void SetInt(Socket socket, int level, int option, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        socket.SetRawSocketOption(level, option, bytes);
    }

    private static bool TrySetInt(Socket socket, int level, int option, int value)
    {
        try
        {
            SetInt(socket, level, option, value);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
