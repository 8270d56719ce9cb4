using System.Globalization;
using System.Text.Json;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Diagnosis;

/// <summary>rp_filter of an interface as the kernel applies it: the larger of conf/all and conf/IF (0 off, 1 strict, 2 loose).</summary>
internal sealed record ReversePathFilter(long? All, long? Interface)
{
    public long? Effective => All is null && Interface is null ? null : Math.Max(All ?? 0, Interface ?? 0);

    public static ReversePathFilter Of(string? interfaceName) => new(
        ProcFile.Number("/proc/sys/net/ipv4/conf/all/rp_filter"),
        interfaceName is null ? null : ProcFile.Number($"/proc/sys/net/ipv4/conf/{interfaceName}/rp_filter"));
}

/// <summary>
/// What the kernel says right after `mcast recv` joined, read without privileges and without exec (so it
/// works as uid 65534 in a pod and shows in its log): where the membership really is, which interface the
/// group's route leaves by, that interface's flags and rp_filter, and the socket buffer granted.
/// The lab reads it back (its "diagnosis" event) to name the cause of a failed check.
/// </summary>
internal sealed record ReceiverProbe(
    ReceiveEndpoint Endpoint,
    IReadOnlyList<KernelMembership> Memberships,
    RouteChoice? Route,
    InterfaceFlags? Flags,
    ReversePathFilter RpFilter,
    ReceiveBuffer Buffer,
    long? RmemMax,
    long? IgmpMaxMemberships)
{
    public static ReceiverProbe Take(ReceiveEndpoint endpoint, ReceiveBuffer buffer)
    {
        var group = endpoint.Group.Address;
        var memberships = KernelMemberships.Of(group);
        var route = RouteTable.For(group);
        // The interface the join is on: the one asked for, else where the kernel put it, else the route's.
        var name = endpoint.Interface?.Name ?? (memberships.Count > 0 ? memberships[0].Interface : null) ?? route?.Interface;
        return new ReceiverProbe(
            endpoint,
            memberships,
            route,
            name is null ? null : InterfaceFlags.Of(name),
            endpoint.Group.IsIPv6 ? new ReversePathFilter(null, null) : ReversePathFilter.Of(name),
            buffer,
            ProcFile.Number("/proc/sys/net/core/rmem_max"),
            endpoint.Group.IsIPv6 ? null : ProcFile.Number("/proc/sys/net/ipv4/igmp_max_memberships"));
    }

    /// <summary>The one text line: "mcast recv: diagnosis: ...".</summary>
    public string Text()
    {
        var joined = Memberships.Count == 0
            ? "the kernel holds no membership of the group"
            : "kernel membership on " + string.Join(", ", Memberships.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Interface} ({m.Users} socket(s){(m.QuerierVersion is { } v ? $", querier {v}" : "")})")));
        var route = Route is null ? "no route to the group" : $"route {Route.Prefix} leaves by {Route.Interface}";
        var flags = Flags is null ? "" : $"; {Flags.Name} {Flags.Describe()}";
        var rp = RpFilter.Effective is { } r ? string.Create(CultureInfo.InvariantCulture, $"; rp_filter {r}") : "";
        var rmem = RmemMax is { } m2 ? string.Create(CultureInfo.InvariantCulture, $" (rmem_max {m2})") : "";
        return string.Create(CultureInfo.InvariantCulture, $"mcast recv: diagnosis: {joined}; {route}{flags}{rp}; socket buffer {Buffer.GrantedBytes} bytes{rmem}");
    }

    /// <summary>The "diagnosis" JSON event's fields (docs/troubleshooting.md).</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteString("event", "diagnosis");
        writer.WriteString("role", "receiver");
        writer.WriteString("group", Endpoint.Group.Address.ToString());
        writer.WriteNumber("port", Endpoint.Port);
        ProbeJson.String(writer, "requestedInterface", Endpoint.Interface?.Name);
        ProbeJson.String(writer, "sourceFilter", Endpoint.Source?.ToString());
        writer.WriteStartArray("memberships");
        foreach (var m in Memberships)
        {
            writer.WriteStartObject();
            writer.WriteString("interface", m.Interface);
            writer.WriteNumber("users", m.Users);
            ProbeJson.String(writer, "querierVersion", m.QuerierVersion);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        ProbeJson.Route(writer, Route);
        ProbeJson.Flags(writer, Flags);
        writer.WriteStartObject("rpFilter");
        ProbeJson.Number(writer, "all", RpFilter.All);
        ProbeJson.Number(writer, "interface", RpFilter.Interface);
        ProbeJson.Number(writer, "effective", RpFilter.Effective);
        writer.WriteEndObject();
        writer.WriteNumber("receiveBufferBytes", Buffer.GrantedBytes);
        writer.WriteNumber("receiveBufferRequestedBytes", Buffer.RequestedBytes);
        ProbeJson.Number(writer, "rmemMax", RmemMax);
        ProbeJson.Number(writer, "igmpMaxMemberships", IgmpMaxMemberships);
        writer.WriteNumber("uid", ProbeJson.EffectiveUid());
    }
}
