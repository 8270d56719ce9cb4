using System.Runtime.InteropServices;
using System.Text.Json;

namespace McastLab.McastTools.Diagnosis;

/// <summary>The parts both probes write the same way: nullable fields, the route, the interface flags.</summary>
internal static partial class ProbeJson
{
    public static void String(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void Number(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } n)
        {
            writer.WriteNumber(name, n);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>"route": {"destination": "224.0.0.0/4", "interface": "eth1", "multicast": true}, or null when none covers the group.</summary>
    public static void Route(Utf8JsonWriter writer, RouteChoice? route) => ObjectOrNull(writer, "route", route, (w, r) =>
    {
        w.WriteString("destination", r.Prefix);
        w.WriteString("interface", r.Interface);
        w.WriteBoolean("multicast", r.IsMulticastRoute);
    });

    /// <summary>"interfaceFlags": {"name", "up", "multicast", "promisc", "allmulti"}, or null when the interface is unknown.</summary>
    public static void Flags(Utf8JsonWriter writer, InterfaceFlags? flags) => ObjectOrNull(writer, "interfaceFlags", flags, (w, f) =>
    {
        w.WriteString("name", f.Name);
        w.WriteBoolean("up", f.Up);
        w.WriteBoolean("multicast", f.Multicast);
        w.WriteBoolean("promisc", f.Promiscuous);
        w.WriteBoolean("allmulti", f.AllMulticast);
    });

    private static void ObjectOrNull<T>(Utf8JsonWriter writer, string name, T? value, Action<Utf8JsonWriter, T> properties)
        where T : class
    {
        if (value is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartObject(name);
        properties(writer, value);
        writer.WriteEndObject();
    }

    /// <summary>One JSON object on one line.</summary>
    public static string Line(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static long EffectiveUid() => GetEffectiveUid();

    [LibraryImport("libc.so.6", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUid();
}
