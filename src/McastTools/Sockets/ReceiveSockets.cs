using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace McastLab.McastTools.Sockets;

/// <summary>
/// The sockets a receive run joins its groups on: one socket bound to the group for a single group; for a
/// range, wildcard-bound sockets each filled with joins until the kernel refuses one (its per-socket
/// membership limit), then the next. Datagrams are attributed to their group by destination address.
/// </summary>
internal sealed class ReceiveSockets : IDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly List<long> _drops = [];
    private readonly Dictionary<UInt128, IPAddress> _groups = [];
    private readonly Queue<int> _ready = new();
    private readonly TimeSpan _wakeup;
    private IPAddress? _single;
    private int _current;

    private ReceiveSockets(TimeSpan wakeup) => _wakeup = wakeup;

    /// <summary>The first socket's buffer: every socket asks for the same size.</summary>
    public ReceiveBuffer Buffer { get; private set; } = null!;

    /// <summary>Why the groups are spread over several sockets, or null when one holds them all.</summary>
    public string? Note { get; private set; }

    public int Count => _sockets.Count;

    public Socket First => _sockets[0];

    /// <summary>Socket drops (SO_RXQ_OVFL) over every socket: a socket's counter cannot be split by group.</summary>
    public long KernelDrops { get; private set; }

    /// <summary>Opens and joins; a receive on any socket wakes after <paramref name="wakeup"/> without datagrams.</summary>
    /// <param name="bufferBytes">The receive buffer each socket asks for (mcast recv --rcvbuf).</param>
    public static ReceiveSockets Open(ReceiveEndpoint endpoint, TimeSpan wakeup, MembershipLimit? limit = null, int bufferBytes = MulticastSockets.BufferBytes)
    {
        var sockets = new ReceiveSockets(wakeup);
        try
        {
            if (endpoint.Group.Count == 1)
            {
                sockets.Add(MulticastSockets.OpenReceiver(endpoint, out var buffer, bufferBytes), buffer);
                sockets._single = endpoint.Group.Address;
            }
            else
            {
                sockets.JoinAll(endpoint, limit ?? new MembershipLimit(), bufferBytes);
            }

            return sockets;
        }
        catch
        {
            sockets.Dispose();
            throw;
        }
    }

    private void JoinAll(ReceiveEndpoint endpoint, MembershipLimit limit, int bufferBytes)
    {
        var group = endpoint.Group;
        int? perSocket = null;
        var held = 0;
        foreach (var member in group.Members)
        {
            _groups[Key(member.GetAddressBytes())] = member;
            while (true)
            {
                if (_sockets.Count == 0 || held == perSocket)
                {
                    Add(MulticastSockets.OpenUnjoined(endpoint, bindToGroup: false, out var buffer, bufferBytes), buffer);
                    held = 0;
                }

                try
                {
                    MulticastSockets.JoinGroup(_sockets[^1], endpoint, member);
                    held++;
                    break;
                }
                catch (SocketException e) when (MembershipLimit.IsLimit(e))
                {
                    if (held == 0)
                    {
                        throw new MembershipRefusedException(limit.Refused(member.ToString(), group.IsIPv6));
                    }

                    // The next socket starts fresh; later ones are filled to the same count without a refusal.
                    perSocket = held;
                }
            }
        }

        if (perSocket is { } each)
        {
            Note = limit.Spread(group.IsIPv6, each, group.Count, _sockets.Count);
        }
    }

    private void Add(Socket socket, ReceiveBuffer buffer)
    {
        _sockets.Add(socket);
        _drops.Add(0);
        Buffer ??= buffer;
        MulticastSockets.SetReceiveTimeout(socket, _wakeup);
    }

    /// <summary>Receives a batch from one socket with datagrams waiting; 0 when none arrived within the wakeup.</summary>
    public int Receive(BatchReceiver batch)
    {
        if (_sockets.Count == 1)
        {
            _current = 0;
            return batch.Receive(_sockets[0]);
        }

        if (_ready.Count == 0)
        {
            var readable = new List<Socket>(_sockets);
            Socket.Select(readable, null, null, (int)_wakeup.TotalMicroseconds);
            foreach (var socket in readable)
            {
                _ready.Enqueue(_sockets.IndexOf(socket));
            }

            if (_ready.Count == 0)
            {
                return 0;
            }
        }

        _current = _ready.Dequeue();
        return batch.Receive(_sockets[_current]);
    }

    /// <summary>Leaves the single group (mcast recv --leave-after): the socket stays open, and nothing more of the group reaches it.</summary>
    public void Leave(ReceiveEndpoint endpoint) => MulticastSockets.LeaveGroup(_sockets[0], endpoint);

    /// <summary>The joined group a datagram was sent to, or null for anything else (unicast to the port).</summary>
    public IPAddress? GroupOf(in ReceivedDatagram datagram) =>
        _single ?? (datagram.Destination.Length is 4 or 16 ? _groups.GetValueOrDefault(Key(datagram.Destination)) : null);

    /// <summary>Keeps the latest drop counter of the socket the batch came from.</summary>
    public void CountDrops(long? drops)
    {
        if (drops is { } value)
        {
            KernelDrops += value - _drops[_current];
            _drops[_current] = value;
        }
    }

    private static UInt128 Key(ReadOnlySpan<byte> address) =>
        address.Length == 16 ? BinaryPrimitives.ReadUInt128BigEndian(address) : BinaryPrimitives.ReadUInt32BigEndian(address);

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }
}
