using System.Text.Json;
using System.Text.Json.Serialization;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Manifests;

/// <summary>How a macvlan child reaches its siblings and the outside (the kernel's macvlan modes, written in lower case).</summary>
public enum MacvlanMode
{
    /// <summary>Children of one master talk to each other directly; the walkthrough's mode.</summary>
    Bridge,
    Private,
    Vepa,
    Passthru,
}

/// <summary>
/// The CNI network configuration inside the NetworkAttachmentDefinition: a macvlan child of the node's
/// <see cref="Master"/> with addresses from host-local IPAM. Serialized with the CNI spec's field names.
/// </summary>
public sealed record MacvlanNetwork
{
    /// <summary>
    /// CNI spec 1.0.0: the newest version both Debian bookworm's containernetworking-plugins (1.1.1) and
    /// Multus 4.x accept; 1.1.0 would be refused by those plugins.
    /// </summary>
    public const string CurrentCniVersion = "1.0.0";

    [JsonPropertyName("cniVersion")] public string CniVersion { get; init; } = CurrentCniVersion;
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("type")] public string Type { get; init; } = "macvlan";
    [JsonPropertyName("master")] public required string Master { get; init; }
    [JsonPropertyName("mode")] public MacvlanMode Mode { get; init; } = MacvlanMode.Bridge;

    /// <summary>Null inherits the master's MTU, which is what a shared L2 segment wants.</summary>
    [JsonPropertyName("mtu")] public int? Mtu { get; init; }

    [JsonPropertyName("ipam")] public required HostLocalIpam Ipam { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) }, // MacvlanMode.Bridge: "bridge"
    };

    /// <summary>The configuration as CNI plugins read it on stdin (indented, so the YAML shows it as a block).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static MacvlanNetwork Parse(string json)
    {
        try
        {
            var network = JsonSerializer.Deserialize<MacvlanNetwork>(json, Options);
            if (network is null || network.Type != "macvlan" || network.Ipam.Type != "host-local")
            {
                throw new PipelineException("The CNI configuration is not a macvlan network with host-local IPAM; regenerate it with ./build.sh Manifests.");
            }
            return network;
        }
        catch (JsonException e)
        {
            throw new PipelineException($"The CNI configuration is not valid ({e.Message}); regenerate it with ./build.sh Manifests.");
        }
    }

    public bool Equals(MacvlanNetwork? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// host-local IPAM in its single-range form: addresses from <see cref="RangeStart"/> to <see cref="RangeEnd"/>
/// of <see cref="Subnet"/>, leases kept as files under <see cref="DataDir"/> on the node.
/// </summary>
public sealed record HostLocalIpam
{
    [JsonPropertyName("type")] public string Type { get; init; } = "host-local";
    [JsonPropertyName("subnet")] public required string Subnet { get; init; }
    [JsonPropertyName("rangeStart")] public required string RangeStart { get; init; }
    [JsonPropertyName("rangeEnd")] public required string RangeEnd { get; init; }

    /// <summary>Null lets host-local take the subnet's first address.</summary>
    [JsonPropertyName("gateway")] public string? Gateway { get; init; }

    [JsonPropertyName("routes")] public IReadOnlyList<CniRoute> Routes { get; init; } = [];

    /// <summary>Null keeps host-local's default, /var/lib/cni/networks.</summary>
    [JsonPropertyName("dataDir")] public string? DataDir { get; init; }

    public bool Equals(HostLocalIpam? other) =>
        other is not null && Type == other.Type && Subnet == other.Subnet && RangeStart == other.RangeStart
        && RangeEnd == other.RangeEnd && Gateway == other.Gateway && DataDir == other.DataDir && Routes.SequenceEqual(other.Routes);

    public override int GetHashCode() => HashCode.Combine(Subnet, RangeStart, RangeEnd, Gateway, DataDir, Routes.Count);
}

/// <summary>A route the plugin adds in the pod; without a gateway it goes via the IPAM gateway.</summary>
public sealed record CniRoute([property: JsonPropertyName("dst")] string Destination)
{
    [JsonPropertyName("gw")] public string? Gateway { get; init; }
}
