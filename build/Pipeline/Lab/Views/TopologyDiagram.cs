using System.Globalization;
using System.Net;
using System.Text;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// The lab as an inline SVG: the nodes with their pods (each pod's eth0 and eth1 addresses), mcastsrc, and the
/// L2 segment joining the hosts' eth1. Drawn from the report's hosts and pods; mcastsrc only when the run had it.
/// </summary>
public static class TopologyDiagram
{
    private const int PodWidth = 170, PodHeight = 64, Gap = 14, HostHeader = 40, Columns = 3, SegmentGap = 56;
    private const string Source = LabExperiment.SourceHost;

    public static string Svg(LabReport results)
    {
        var nodes = Nodes(results);
        var hosts = nodes.Select(n => (Name: n.Name, Pods: n.Pods)).ToList();
        if (results.Run.OutsideHost) hosts.Add((Name: Source, Pods: []));
        var boxes = new List<(string Name, IReadOnlyList<PodBox> Pods, double X, double Width, double Height)>();
        double x = Gap;
        foreach (var (name, pods) in hosts)
        {
            var columns = Math.Clamp(pods.Count, 1, Columns);
            var rows = (pods.Count + Columns - 1) / Columns;
            // Wide enough for "sender · eth1 (address not in report)" in the header.
            var width = Math.Max(240, columns * (PodWidth + Gap) + Gap);
            var height = HostHeader + rows * (PodHeight + Gap) + (rows == 0 ? 10 : 0);
            boxes.Add((name, pods, x, width, height));
            x += width + Gap * 2;
        }
        var totalWidth = x;
        var hostsHeight = boxes.Max(b => b.Height);
        var segmentY = Gap + hostsHeight + SegmentGap;
        var totalHeight = segmentY + 44;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg class="topology" xmlns="http://www.w3.org/2000/svg" width="{F(totalWidth)}" height="{F(totalHeight)}" viewBox="0 0 {F(totalWidth)} {F(totalHeight)}" role="img" aria-label="lab topology">""");
        svg.Append("<title>Lab topology: hosts, pods and the eth1 segment</title>");
        var group = results.Run.Group;
        svg.Append(CultureInfo.InvariantCulture, $"""<line class="segment" x1="{Gap}" x2="{F(totalWidth - Gap)}" y1="{F(segmentY)}" y2="{F(segmentY)}"/>""");
        svg.Append(CultureInfo.InvariantCulture,
            $"""<text class="segment-label" x="{Gap}" y="{F(segmentY + 20)}">L2 segment eth1{(group is null ? "" : $" · multicast group {E(group)}")}</text>""");

        foreach (var (name, pods, left, width, height) in boxes)
        {
            var top = Gap + hostsHeight - height;
            var host = results.Hosts.FirstOrDefault(h => h.Name == name);
            var address = host is { Addresses.Count: > 0 } ? string.Join(", ", host.Addresses) : null;
            var role = name == Source ? "source" : "node";
            svg.Append(CultureInfo.InvariantCulture, $"""<g class="host {role}" data-host="{E(name)}">""");
            svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{F(left)}" y="{F(top)}" width="{F(width)}" height="{F(height)}" rx="6"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="host-name" x="{F(left + 10)}" y="{F(top + 18)}">{E(name)}</text>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="address" x="{F(left + 10)}" y="{F(top + 33)}">{(name == Source ? "sender · " : "")}eth1 {E(address ?? "(address not in report)")}</text>""");
            // The host's eth1 on the segment.
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="link" x1="{F(left + width / 2)}" x2="{F(left + width / 2)}" y1="{F(top + height)}" y2="{F(segmentY)}"/>""");
            for (var i = 0; i < pods.Count; i++)
            {
                var px = left + Gap + i % Columns * (PodWidth + Gap);
                var py = top + HostHeader + i / Columns * (PodHeight + Gap);
                var pod = pods[i];
                svg.Append(CultureInfo.InvariantCulture, $"""<g class="pod{(pod.Eth1 is null ? " unattached" : "")}" data-pod="{E(pod.Name)}">""");
                svg.Append(CultureInfo.InvariantCulture, $"""<rect x="{F(px)}" y="{F(py)}" width="{PodWidth}" height="{PodHeight}" rx="4"/>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="pod-name" x="{F(px + 8)}" y="{F(py + 17)}">{E(pod.Name)}</text>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="address" x="{F(px + 8)}" y="{F(py + 35)}">eth0 {E(pod.Eth0 ?? "–")}</text>""");
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="address" x="{F(px + 8)}" y="{F(py + 52)}">eth1 {E(pod.Eth1 ?? "none (no attachment)")}</text>""");
                svg.Append("</g>");
                if (pod.Eth1 is not null)
                {
                    // The pod's macvlan child sits on the node's eth1: a dashed line down to the segment.
                    svg.Append(CultureInfo.InvariantCulture, $"""<line class="macvlan" x1="{F(px + PodWidth - 12)}" x2="{F(px + PodWidth - 12)}" y1="{F(py + PodHeight)}" y2="{F(segmentY)}"/>""");
                }
            }
            svg.Append("</g>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    internal sealed record PodBox(string Name, string? Eth0, string? Eth1);

    internal sealed record NodeBox(string Name, IReadOnlyList<PodBox> Pods);

    /// <summary>The run's nodes in order with their pods (a node whose pods were not made is drawn empty).</summary>
    internal static IReadOnlyList<NodeBox> Nodes(LabReport results)
    {
        var pods = new List<(string Node, PodBox Pod)>();
        foreach (var pod in results.Pods)
        {
            string? Address(string name) => pod.NetworkStatus.FirstOrDefault(s => s.Interface == name) is { Ips.Count: > 0 } s ? string.Join(", ", s.Ips) : null;
            pods.Add((pod.Node, new PodBox(pod.Name, Address("eth0"), Address("eth1"))));
        }
        var names = results.Run.Nodes.Concat(pods.Select(p => p.Node)).Distinct(StringComparer.Ordinal);
        return [.. names.Select(n => new NodeBox(n, [.. pods.Where(p => p.Node == n).Select(p => p.Pod)]))];
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
