using System.Net;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Cli;

/// <summary>Turns group, interface, source and bind arguments into validated endpoints (all checks before any socket).</summary>
internal static class EndpointResolver
{
    /// <param name="groupCount">--groups N: N consecutive groups from the one given (null: the group or range as written).</param>
    public static ReceiveEndpoint Receive(string groupText, string? interfaceName, string? sourceText, int port, long? groupCount = null) =>
        AsUsageError(() => ResolveReceive(groupText, interfaceName, sourceText, port, groupCount));

    public static SendEndpoint Send(string groupText, string? interfaceName, string? bindText, int port, int ttl, int? tos, long? groupCount = null) =>
        AsUsageError(() => ResolveSend(groupText, interfaceName, bindText, port, ttl, tos, groupCount));

    /// <summary>A group or interface the sockets cannot use is, on the command line, a usage error.</summary>
    private static T AsUsageError<T>(Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (EndpointException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ReceiveEndpoint ResolveReceive(string groupText, string? interfaceName, string? sourceText, int port, long? groupCount)
    {
        var group = Groups(groupText, groupCount);
        var iface = Interface(group, interfaceName);
        IPAddress? source = null;
        if (sourceText is not null)
        {
            if (!IPAddress.TryParse(sourceText, out source))
            {
                throw new UsageException($"--source '{sourceText}' is not an IP address; give the sender's unicast address.");
            }

            if (group.WhySourceSpecificIsImpossible(source) is { } why)
            {
                throw new UsageException($"cannot join source-specific: {why}");
            }
        }

        return new ReceiveEndpoint(group, port, iface, source);
    }

    private static SendEndpoint ResolveSend(string groupText, string? interfaceName, string? bindText, int port, int ttl, int? tos, long? groupCount)
    {
        var group = Groups(groupText, groupCount);
        IPAddress? bind = null;
        if (bindText is not null)
        {
            if (!IPAddress.TryParse(bindText, out bind) || GroupAddress.IsMulticast(bind))
            {
                throw new UsageException($"--bind '{bindText}' is not a unicast IP address; give one of this host's addresses.");
            }

            if (bind.AddressFamily != group.Address.AddressFamily)
            {
                throw new UsageException($"--bind {bind} and group {group.Address} are of different IP families; bind an address of the group's family.");
            }
        }

        var iface = bind is null || interfaceName is not null || group.InterfaceName is not null
            ? Interface(group, interfaceName)
            : InterfaceCatalog.Owning(bind);
        if (bind is not null && iface is not null && !iface.Addresses.Contains(bind))
        {
            throw new UsageException($"{bind} is not an address of {iface.Name}; drop --bind or give an address of that interface.");
        }

        return new SendEndpoint(group, port, iface, bind, ttl, tos);
    }

    private static GroupAddress Groups(string groupText, long? groupCount) =>
        groupCount is { } count ? GroupAddress.Parse(groupText).WithCount(count) : GroupAddress.Parse(groupText);

    private static InterfaceCatalog.Interface? Interface(GroupAddress group, string? interfaceName)
    {
        if (group.InterfaceName is not null && interfaceName is not null && group.InterfaceName != interfaceName)
        {
            throw new UsageException($"the group names interface {group.InterfaceName} but --interface says {interfaceName}; give one of them.");
        }

        var name = interfaceName ?? group.InterfaceName;
        if (name is null)
        {
            return group.IsLinkLocal && group.IsIPv6
                ? throw new UsageException($"group {group.Address} is link-local; name its interface with {group.Address}%IF or --interface.")
                : null;
        }

        return InterfaceCatalog.Resolve(name);
    }
}
