using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Diagnosis;

/// <summary>
/// What the kernel chose for `mcast send`, once its socket is connected to the group: the source address
/// (so the interface it leaves by, whatever the routing rules said), the route /proc shows for the group,
/// that interface's flags and the TTL (hop limit) set.
/// </summary>
internal sealed record SenderProbe(SendEndpoint Endpoint, IPAddress? Source, string? OutgoingInterface, RouteChoice? Route, InterfaceFlags? Flags)
{
    public static SenderProbe Take(SendEndpoint endpoint, Socket socket)
    {
        var source = (socket.LocalEndPoint as IPEndPoint)?.Address;
        var outgoing = endpoint.Interface?.Name ?? (source is null ? null : Owner(source));
        return new SenderProbe(endpoint, source, outgoing, RouteTable.For(endpoint.Group.Address), outgoing is null ? null : InterfaceFlags.Of(outgoing));
    }

    /// <summary>The text line: "mcast send: diagnosis: ...".</summary>
    public string Text()
    {
        var chosen = Endpoint.Interface is not null ? "--interface" : Endpoint.Bind is not null ? "--bind" : "the route";
        var route = Route is null ? "no route to the group" : $"route {Route.Prefix} leaves by {Route.Interface}";
        return $"mcast send: diagnosis: leaves by {OutgoingInterface ?? "(unknown)"} (chosen by {chosen}), source {Source?.ToString() ?? "(none)"}, ttl {Endpoint.Ttl}; {route}{(Flags is null ? "" : $"; {Flags.Name} {Flags.Describe()}")}";
    }

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("event", "diagnosis");
        writer.WriteString("role", "sender");
        writer.WriteString("group", Endpoint.Group.Address.ToString());
        writer.WriteNumber("port", Endpoint.Port);
        writer.WriteString("chosenBy", Endpoint.Interface is not null ? "interface" : Endpoint.Bind is not null ? "bind" : "route");
        ProbeJson.String(writer, "outgoingInterface", OutgoingInterface);
        ProbeJson.String(writer, "sourceAddress", Source?.ToString());
        writer.WriteNumber("ttl", Endpoint.Ttl);
        ProbeJson.Route(writer, Route);
        ProbeJson.Flags(writer, Flags);
        writer.WriteNumber("uid", ProbeJson.EffectiveUid());
    }

    private static string? Owner(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(n => n.GetIPProperties().UnicastAddresses.Any(u => u.Address.GetAddressBytes().AsSpan().SequenceEqual(bytes)))?.Name;
    }
}
