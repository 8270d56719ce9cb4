using System.Net;
using System.Text.Json;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// What Multus wrote into the pod's k8s.v1.cni.cncf.io/network-status annotation, checked against the lab:
/// the attachment's interface must be there with an address from the IPAM range.
/// </summary>
public static class NetworkStatus
{
    public const string Annotation = "k8s.v1.cni.cncf.io/network-status";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Result(bool Passed, string? Address, string Detail);

    public static Result Check(IDictionary<string, string>? annotations, LabSettings lab) => Check(annotations, lab, lab.RangeStart, lab.RangeEnd);

    /// <summary>The check against one attachment's own slice of the range (a node's, or the sender's one address).</summary>
    public static Result Check(IDictionary<string, string>? annotations, LabSettings lab, IPAddress rangeStart, IPAddress rangeEnd)
    {
        if (annotations is null || !annotations.TryGetValue(Annotation, out var json))
        {
            return new Result(false, null, $"the pod has no {Annotation} annotation: Multus did not attach it (is Multus running, and does the pod name {lab.NetworkName}?)");
        }
        List<Entry>? entries;
        try
        {
            entries = JsonSerializer.Deserialize<List<Entry>>(json, Json);
        }
        catch (JsonException e)
        {
            return new Result(false, null, $"the {Annotation} annotation is not the JSON list Multus writes ({e.Message})");
        }
        var entry = entries?.FirstOrDefault(e => e.Interface == lab.Interface);
        if (entry is null)
        {
            var seen = string.Join(", ", entries?.Select(e => $"{e.Name}:{e.Interface}") ?? []);
            return new Result(false, null, $"the pod has no {lab.Interface} in {Annotation} (it has {seen})");
        }
        var address = entry.Ips?.Select(ip => IPAddress.TryParse(ip, out var a) ? a : null).OfType<IPAddress>()
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        if (address is null)
        {
            return new Result(false, null, $"{lab.Interface} from {entry.Name} has no IPv4 address");
        }
        var inRange = LabSettings.IsBetween(address, rangeStart, rangeEnd);
        return inRange
            ? new Result(true, address.ToString(), $"{lab.Interface} ({entry.Name}) has {address}, inside the IPAM range {rangeStart}-{rangeEnd}")
            : new Result(false, address.ToString(), $"{lab.Interface} has {address}, outside the IPAM range {rangeStart}-{rangeEnd}");
    }

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
