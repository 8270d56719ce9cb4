using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// What the local lab's L2 segment is (--segment): a segment that floods multicast (the walkthrough's: a
/// veth pair, or a plain bridge for several nodes), or a switch that snoops IGMP and does not flood
/// unregistered groups, with or without a querier (docs/troubleshooting.md).
/// </summary>
public enum LabSegment
{
    Flood,
    Snooping,
    SnoopingNoQuerier,
}

/// <summary>
/// The breakages --fault can inject into the local lab, one real kernel state per cause of the diagnosis
/// catalog (docs/troubleshooting.md); the written form is the cause's id. socket-buffer-too-small leaves
/// net.core.rmem_max alone (it is the machine's, not a network namespace's): its receivers ask for a tiny buffer.
/// </summary>
public enum LabFault
{
    None,
    NoRoute,
    SenderWrongInterface,
    ReceiverWrongInterface,
    RpFilter,
    IgmpBlocked,
    NoQuerier,
    MembershipExpired,
    MacvlanIsolation,
    SourceNotAllowed,
    TtlTooSmall,
    SocketBufferTooSmall,
}

/// <summary>The written forms of <see cref="LabSegment"/> and <see cref="LabFault"/>: kebab-case ("snooping-no-querier", "rp-filter").</summary>
public static class LabFaultForms
{
    public static string Written<TEnum>(TEnum value) where TEnum : struct, Enum =>
        Regex.Replace(value.ToString(), "(?<=[a-z])([A-Z])", "-$1").ToLowerInvariant();

    public static IReadOnlyList<string> All<TEnum>() where TEnum : struct, Enum => [.. Enum.GetValues<TEnum>().Select(Written)];

    public static TEnum Parse<TEnum>(string text) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().First(v => Written(v) == text);

    public static ParameterForm Form<TEnum>(string example) where TEnum : struct, Enum =>
        new(new Regex("^(" + string.Join('|', All<TEnum>().Select(Regex.Escape)) + ")$"), $"one of {string.Join(", ", All<TEnum>())} (such as {example})");
}
