using System.Net;
using System.Text.Json;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// What Multus wrote into the pod's k8s.v1.cni.cncf.io/network-status annotation, read as the report's entries
/// (ExperimentVerdict judges them: the attachment's interface with an address from its range).
/// </summary>
public static class NetworkStatus
{
    public const string Annotation = "k8s.v1.cni.cncf.io/network-status";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The annotation's entries for report.json; empty when it is missing or not Multus' JSON list.</summary>
    public static IReadOnlyList<NetworkStatusEntry> Entries(IDictionary<string, string>? annotations)
    {
        if (annotations is null || !annotations.TryGetValue(Annotation, out var json)) return [];
        try
        {
            return [.. (JsonSerializer.Deserialize<List<Entry>>(json, Json) ?? []).Select(e => new NetworkStatusEntry
            {
                Name = e.Name ?? "",
                Interface = e.Interface ?? "",
                Ips = e.Ips ?? [],
                Mac = e.Mac,
                Default = e.Default ?? false,
                Gateway = e.Gateway,
            })];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private sealed record Entry(string? Name, string? Interface, List<string>? Ips, string? Mac = null, bool? Default = null, List<string>? Gateway = null);
}
