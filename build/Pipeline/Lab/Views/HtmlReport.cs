using System.Globalization;
using System.Net;
using System.Text;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// artifacts/lab/report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that
/// opens offline from a CI artifact: the verdict, the run's parameters, the topology, every check with its
/// figures and detail, and per receiver a chart of datagrams per second.
/// </summary>
public static class HtmlReport
{
    public const string FileName = "report.html";

    private const string Style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; background: #fff; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; }
        h3 { font-size: 15px; margin: 18px 0 4px; }
        .verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-weight: 600; }
        .verdict.pass { background: #1a7f37; } .verdict.fail { background: #cf222e; }
        .meta { color: #59636e; }
        table { border-collapse: collapse; margin: 6px 0; } th, td { padding: 3px 8px; border-bottom: 1px solid #e6e8eb; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.fail td { background: #ffebe9; } tr.unknown td { background: #fff8c5; }
        .result.pass { color: #1a7f37; font-weight: 600; } .result.fail { color: #cf222e; font-weight: 600; } .result.unknown { color: #9a6700; font-weight: 600; }
        .absent { color: #8c959f; }
        .diagnosis { margin-top: 4px; padding: 4px 8px; border-left: 3px solid #cf222e; background: #fff; } .diagnosis .cause { font-family: ui-monospace, monospace; font-weight: 600; color: #cf222e; }
        svg { max-width: 100%; height: auto; }
        svg text { font: 11px system-ui, sans-serif; fill: #1f2328; }
        .topology rect { fill: #f6f8fa; stroke: #8c959f; } .topology .pod rect { fill: #ddf4ff; stroke: #54aeff; }
        .topology .pod.unattached rect { fill: #fff; stroke-dasharray: 4 3; } .topology .source > rect { fill: #fff8c5; stroke: #d4a72c; }
        .topology .host-name, .topology .pod-name { font-weight: 600; font-size: 12px; } .topology .address { font-family: ui-monospace, monospace; }
        .topology .segment { stroke: #0969da; stroke-width: 5; } .topology .link { stroke: #0969da; stroke-width: 2; }
        .topology .macvlan { stroke: #54aeff; stroke-width: 1.5; stroke-dasharray: 4 3; } .topology .segment-label { fill: #0969da; font-weight: 600; }
        .rate-chart .grid { stroke: #e6e8eb; } .rate-chart .axis { fill: #59636e; }
        .rate-chart .received { fill: #54aeff; } .rate-chart .lost { fill: #cf222e; }
        .rate-chart .lost-mark { fill: #cf222e; font-weight: 600; } .rate-chart .reordered-mark { fill: #bc4c00; } .rate-chart .duplicate-mark { fill: #8250df; }
        .receivers { display: flex; flex-wrap: wrap; gap: 8px 24px; } .receiver { width: 600px; }
        .legend span { margin-right: 14px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
        """;

    /// <summary>The verdict in words: "passed 20 of 20 checks (3 not run)", "failed 2 of 20 checks".</summary>
    public static string Title(LabReport results)
    {
        var ran = results.Checks.Count(c => c.Status != CheckStatus.NotRun);
        var notRun = results.Checks.Count - ran;
        var rest = notRun > 0 ? $" ({notRun} not run)" : "";
        return results.Passed ? $"passed {ran} of {ran} checks{rest}"
            : ran == 0 ? "no checks ran" : $"failed {results.Failed.Count()} of {ran} checks{rest}";
    }

    public static string Render(LabReport results)
    {
        var html = new StringBuilder();
        var verdict = results.Passed ? "pass" : "fail";
        var title = Title(results);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append(CultureInfo.InvariantCulture, $"<title>McastLab lab {E(results.Run.Id)}: {E(title)}</title>");
        html.Append("<style>").Append(Style).Append("</style></head><body>");

        html.Append(CultureInfo.InvariantCulture, $"""<h1>McastLab lab {E(results.Run.Id)} <span class="verdict {verdict}" id="verdict">{E(title)}</span></h1>""");
        html.Append(CultureInfo.InvariantCulture,
            $"""<p class="meta">backend {E(results.Backend)} · started {E(results.Started.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))} · took {E(results.DurationSeconds.ToString("0.0 's'", CultureInfo.InvariantCulture))}</p>""");

        html.Append("<h2>Run</h2>");
        html.Append("""<table class="run"><tbody>""");
        foreach (var (key, value) in RunFacts.Of(results))
        {
            // A cluster run's diagnostics folder, relative to the report: a link to open it.
            var shown = key == RunFacts.DiagnosticsKey ? $"<a href=\"{E(value)}\">{E(value)}</a>" : E(value);
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(key)}</th><td>{shown}</td></tr>");
        }
        html.Append("</tbody></table>");

        html.Append("<h2>Topology</h2>").Append(TopologyDiagram.Svg(results));

        html.Append("<h2>Checks</h2>");
        if (results.Checks.Count == 0) html.Append("""<p class="absent">The report has no checks: the lab stopped before it could verify anything.</p>""");
        else
        {
            html.Append("""<table class="checks"><thead><tr><th>check</th><th>result</th><th>direction</th><th>sender → receiver</th><th>interface</th><th>sent</th><th>received</th><th>lost</th><th>reordered</th><th>dup</th><th>jitter ms</th><th>TTL</th><th>pod address</th><th>detail</th></tr></thead><tbody>""");
            foreach (var check in results.Checks)
            {
                var flow = check.Sender is null && check.Receiver is null ? Value(null) : $"{Value(check.Sender)} → {Value(check.Receiver)}";
                html.Append(CultureInfo.InvariantCulture,
                    $"""<tr class="check {Css(check)}" data-check="{E(check.Name)}"><td>{E(check.Name)}</td><td class="result {Css(check)}">{LabReport.Verdict(check)}</td><td>{Value(check.Direction)}</td><td>{flow}</td><td>{Value(check.Interface)}</td>""");
                foreach (var figure in new[] { check.Sent, check.Received, check.Lost, check.Reordered, check.Duplicates })
                {
                    html.Append(CultureInfo.InvariantCulture, $"""<td class="num">{Value(figure?.ToString(CultureInfo.InvariantCulture))}</td>""");
                }
                html.Append(CultureInfo.InvariantCulture,
                    $"""<td class="num">{Value(check.JitterMs?.ToString("0.000", CultureInfo.InvariantCulture))}</td><td class="num">{Value(check.TtlSeen?.ToString(CultureInfo.InvariantCulture))}</td><td>{Value(check.PodAddress)}</td><td class="detail">{Value(check.Detail)}{Diagnosis(check.Diagnosis)}</td></tr>""");
            }
            html.Append("</tbody></table>");
        }

        var receivers = results.Checks.Where(c => c.Receiver is not null && c.Status != CheckStatus.NotRun).ToList();
        html.Append("<h2>Receivers, second by second</h2>");
        html.Append("""<p class="legend"><span><span class="swatch" style="background:#54aeff"></span>received per second</span><span><span class="swatch" style="background:#cf222e"></span>lost (the gap)</span><span style="color:#bc4c00">▲ reordered</span><span style="color:#8250df">● duplicates</span></p>""");
        if (receivers.Count == 0) html.Append("""<p class="absent">No check measured datagrams.</p>""");
        html.Append("""<div class="receivers">""");
        foreach (var check in receivers)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<section class="receiver" data-check="{E(check.Name)}"><h3>{E(check.Name)} <span class="result {Css(check)}">{LabReport.Verdict(check)}</span></h3>""");
            var flow = check.Sender is null && check.Receiver is null && check.Interface is null
                ? ""
                : $"{Value(check.Sender)} → {Value(check.Receiver)} on {Value(check.Interface)}: ";
            html.Append(CultureInfo.InvariantCulture,
                $"""<p class="meta">{flow}{Value(check.Received?.ToString(CultureInfo.InvariantCulture))} received of {Value(check.Sent?.ToString(CultureInfo.InvariantCulture))} sent, {Value(check.Lost?.ToString(CultureInfo.InvariantCulture))} lost, {Value(check.Reordered?.ToString(CultureInfo.InvariantCulture))} reordered, {Value(check.Duplicates?.ToString(CultureInfo.InvariantCulture))} duplicates</p>""");
            html.Append(check.Intervals is null
                ? """<p class="absent no-intervals">No per-second figures for this receiver (only mcast recv reports intervals).</p>"""
                : RateChart.Svg(check));
            html.Append("</section>");
        }
        html.Append("</div>");
        html.Append("""<p class="meta">Made by ./build.sh Lab with artifacts/lab/report.json.</p></body></html>""");
        html.Append('\n');
        return html.ToString();
    }

    /// <summary>The cause the lab named, beside the check's detail: its id, what was seen, the fix (docs/troubleshooting.md).</summary>
    private static string Diagnosis(CheckDiagnosis? d) => d is null ? "" :
        $"""<div class="diagnosis" data-cause="{E(d.Cause)}">cause <span class="cause">{E(d.Cause)}</span>: {E(d.Title)}<br>seen: {E(d.Evidence)}<br>fix: {E(d.Fix)}</div>""";

    private static string Css(LabCheck check) => check.Status switch { CheckStatus.Passed => "pass", CheckStatus.Failed => "fail", _ => "unknown" };

    /// <summary>A figure or text, or a grey "–" marking that the check did not measure it.</summary>
    private static string Value(string? text) => text is null ? """<span class="absent" title="not measured">–</span>""" : E(text);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
