using System.Globalization;
using System.Net;
using System.Text;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// A receiver's datagrams per second as an inline SVG bar chart, one bar per mcast recv interval: received in
/// blue, lost stacked on it in red (where the gap was), reordered and duplicate datagrams marked above the bar.
/// Every bar has a native tooltip with its figures; no script.
/// </summary>
public static class RateChart
{
    private static readonly int[] NiceSteps = [1, 2, 5, 10];

    private const int Width = 600, Height = 220, Left = 56, Right = 16, Top = 28, Bottom = 36;

    public static string Svg(LabCheck check)
    {
        var intervals = check.Intervals ?? [];
        var name = WebUtility.HtmlEncode(check.Name);
        var svg = new StringBuilder();
        if (intervals.Count == 0)
        {
            // Nothing arrived (the negative control's expected outcome): a one-line chart that says so.
            svg.Append(CultureInfo.InvariantCulture,
                $"""<svg class="rate-chart" data-check="{name}" xmlns="http://www.w3.org/2000/svg" width="{Width}" height="40" viewBox="0 0 {Width} 40" role="img" aria-label="no datagrams received by {name}">""");
            svg.Append(CultureInfo.InvariantCulture, $"""<title>{name}: no datagrams received</title><text x="{Left}" y="24" class="axis">no datagrams received: mcast recv reported no intervals</text></svg>""");
            return svg.ToString();
        }
        svg.Append(CultureInfo.InvariantCulture,
            $"""<svg class="rate-chart" data-check="{name}" xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}" role="img" aria-label="datagrams per second received by {name}">""");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{name}: datagrams per second</title>");

        var start = intervals.Min(i => i.Start);
        var end = Math.Max(intervals.Max(i => i.End), start + 1);
        // A short last interval (the end-of-test datagram) holds a few datagrams, not a burst: rates are per
        // the longest interval (mcast recv's --interval), not per each interval's own length.
        var nominal = Math.Max(intervals.Max(i => i.End - i.Start), 1e-3);
        double Rate(long count) => count / nominal;
        var peak = NiceCeiling(intervals.Max(i => Rate(i.Received + i.Lost)));
        double X(double seconds) => Left + (seconds - start) / (end - start) * (Width - Left - Right);
        double Y(double perSecond) => Height - Bottom - perSecond / peak * (Height - Top - Bottom);

        // Axes: datagrams/s at 0, half and the top; seconds since the receiver joined along the bottom.
        foreach (var value in new[] { 0, peak / 2, peak })
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{Left}" x2="{Width - Right}" y1="{F(Y(value))}" y2="{F(Y(value))}"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="axis" x="{Left - 6}" y="{F(Y(value) + 4)}" text-anchor="end">{value:0}</text>""");
        }
        var step = Math.Max(1, Math.Ceiling((end - start) / 10));
        for (var t = Math.Ceiling(start); t <= end + 1e-9; t += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="axis" x="{F(X(t))}" y="{Height - Bottom + 14}" text-anchor="middle">{t:0}</text>""");
        }
        svg.Append(CultureInfo.InvariantCulture, $"""<text class="axis" x="{Width - Right}" y="{Height - 4}" text-anchor="end">seconds since the receiver joined</text>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<text class="axis" x="4" y="14">datagrams/s</text>""");

        foreach (var interval in intervals)
        {
            var x = X(interval.Start) + 1;
            var width = Math.Max(1, X(interval.End) - X(interval.Start) - 2);
            var received = Rate(interval.Received);
            var lost = Rate(interval.Lost);
            var tip = WebUtility.HtmlEncode(string.Create(CultureInfo.InvariantCulture,
                $"{interval.Start:0.0}–{interval.End:0.0} s: {interval.Received} received ({received:0}/s), {interval.Lost} lost, {interval.Reordered} reordered, {interval.Duplicates} duplicates"));
            svg.Append(CultureInfo.InvariantCulture, $"""<g class="interval"><title>{tip}</title>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<rect class="received" x="{F(x)}" y="{F(Y(received))}" width="{F(width)}" height="{F(Y(0) - Y(received))}"/>""");
            var markY = Y(received);
            if (interval.Lost > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<rect class="lost" x="{F(x)}" y="{F(Y(received + lost))}" width="{F(width)}" height="{F(Y(received) - Y(received + lost))}"/>""");
                markY = Y(received + lost);
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="mark lost-mark" x="{F(x + width / 2)}" y="{F(markY - 4)}" text-anchor="middle">{interval.Lost} lost</text>""");
                markY -= 14;
            }
            if (interval.Reordered > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="mark reordered-mark" x="{F(x + width / 2)}" y="{F(markY - 4)}" text-anchor="middle">▲{interval.Reordered} reordered</text>""");
                markY -= 14;
            }
            if (interval.Duplicates > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="mark duplicate-mark" x="{F(x + width / 2)}" y="{F(markY - 4)}" text-anchor="middle">●{interval.Duplicates} dup</text>""");
            }
            svg.Append("</g>");
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A round top for the axis (1, 2 or 5 × 10ⁿ), at least 1.</summary>
    internal static double NiceCeiling(double value)
    {
        if (value <= 1) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return NiceSteps.Select(m => m * magnitude).First(v => v >= value);
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
