using System.Text.Json;
using AngleSharp.Html.Parser;
using McastLab.Pipeline.Lab.Views;

namespace McastLab.Pipeline.Tests.Lab.Views;

public sealed class LabViewsTests
{
    [Fact]
    public void Report_html_and_junit_are_written_beside_report_json_and_the_summary_only_when_github_asks()
    {
        using var directory = new TemporaryDirectory();
        var report = ViewFixtures.CopyTo(directory, ViewFixtures.Contract);
        var log = new CapturingLog();

        var written = new LabViews(log, _ => null).Write(report);

        Assert.Equal([Path.Combine(directory.Path, "lab", "report.html"), Path.Combine(directory.Path, "lab", "junit.xml")], written);
        Assert.All(written, f => Assert.True(File.Exists(f), f));
        Assert.Single(log.Lines);
    }

    [Fact]
    public void The_step_summary_is_appended_to_the_file_github_names()
    {
        using var directory = new TemporaryDirectory();
        var report = ViewFixtures.CopyTo(directory, ViewFixtures.Contract);
        var summary = directory.File("step-summary.md", "earlier step\n");
        var views = new LabViews(new CapturingLog(), name => name == "GITHUB_STEP_SUMMARY" ? summary : null);

        views.Write(report);

        var text = File.ReadAllText(summary);
        Assert.StartsWith("earlier step\n", text, StringComparison.Ordinal);
        Assert.Contains("failed 1 of 7 checks", text, StringComparison.Ordinal);
        var rows = text.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.Equal(7, rows.Count);
        Assert.Single(rows, r => r.Contains("❌ FAIL", StringComparison.Ordinal) && r.StartsWith("| k8s/pod-1 |", StringComparison.Ordinal));
    }

    [Fact]
    public void A_report_that_is_not_json_is_a_warning_and_does_not_hide_the_labs_verdict()
    {
        using var directory = new TemporaryDirectory();
        var report = directory.File("lab/report.json", "{ not json");
        var log = new CapturingLog();

        new LabViews(log, _ => null).TryWrite(report);

        Assert.Contains("could not be written", Assert.Single(log.At("warning")), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory.Path, "lab", "report.html")));
    }

    [Fact]
    public void Missing_and_odd_fields_render_as_absent_instead_of_failing()
    {
        // Shapes an older or newer lab may write: no run/hosts/pods, a count as a string, an interval without its
        // end, a run value that is an object, a check without a verdict.
        var results = LabResults.Parse("""
            {"backend": "local", "run": {"nodes": 2, "images": {"mcast": "m:1"}},
             "checks": [{"name": "k8s-2/pod-1", "passed": false, "received": "12", "intervals": [{"start": 0}, {"start": 0, "end": 1, "received": 12}]},
                        {"passed": true}, {"name": "cleanup"}],
             "pods": "not a list"}
            """);

        var dom = new HtmlParser().ParseDocument(HtmlReport.Render(results));

        Assert.Equal(["k8s-2/pod-1", "(unnamed check)", "cleanup"], dom.QuerySelectorAll("tr.check").Select(r => r.GetAttribute("data-check")));
        Assert.Equal(["FAIL", "pass", "unknown"], dom.QuerySelectorAll("tr.check td.result").Select(c => c.TextContent));
        Assert.Equal("12", dom.QuerySelectorAll("tr.check")[0].QuerySelectorAll("td.num")[1].TextContent);
        Assert.Single(dom.QuerySelectorAll("svg.rate-chart g.interval"));
        Assert.Contains("""{"mcast":"m:1"}""", dom.QuerySelector("table.run")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(dom.QuerySelectorAll("g.host").SingleOrDefault(g => g.GetAttribute("data-host") == "k8s-2"));
        Assert.Contains("failed 2 of 3", dom.QuerySelector("#verdict")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_check_field_of_another_type_is_read_by_the_views_rule_instead_of_failing()
    {
        var check = Assert.Single(LabResults.Parse("""
            {"checks": [{"name": null, "passed": "true", "detail": {"why": 1}, "receiver": 7, "sent": 12.6, "received": "3",
                         "lost": [1], "ttlSeen": "64", "jitterMs": "0.5", "intervals": "none", "Sender": "other case", "flow": {"x": 1}}]}
            """).Checks);

        Assert.Equal("(unnamed check)", check.Name);
        Assert.Null(check.Passed);
        Assert.Equal("""{"why":1}""", check.Detail);
        Assert.Equal("7", check.Receiver);
        Assert.Equal(13, check.Sent);
        Assert.Equal(3, check.Received);
        Assert.Null(check.Lost);
        Assert.Equal(64, check.TtlSeen);
        Assert.Equal(0.5, check.JitterMs);
        Assert.Null(check.Intervals);
        Assert.Null(check.Sender);
    }

    [Fact]
    public void A_report_that_is_not_an_object_is_refused()
    {
        Assert.Throws<JsonException>(() => LabResults.Parse("[1, 2]"));
    }

    [Fact]
    public void Text_from_the_report_is_escaped_not_interpreted()
    {
        var results = LabResults.Parse("""{"checks": [{"name": "<script>alert(1)</script>", "passed": false, "detail": "a & b <i>"}]}""");

        var dom = new HtmlParser().ParseDocument(HtmlReport.Render(results));

        Assert.Empty(dom.QuerySelectorAll("script, i"));
        Assert.Equal("a & b <i>", dom.QuerySelector("td.detail")!.TextContent);
    }

    [Fact]
    public void A_chart_has_a_bar_per_interval_and_marks_loss_reordering_and_duplicates_where_they_happened()
    {
        var results = LabResults.Parse("""
            {"checks": [{"name": "r", "passed": false, "intervals": [
              {"start": 0, "end": 1, "received": 90, "lost": 0, "reordered": 0, "duplicates": 0},
              {"start": 1, "end": 2, "received": 10, "lost": 80, "reordered": 3, "duplicates": 2}]}]}
            """);

        var chart = new HtmlParser().ParseDocument(HtmlReport.Render(results)).QuerySelector("svg.rate-chart")!;

        var intervals = chart.QuerySelectorAll("g.interval");
        Assert.Equal(2, intervals.Length);
        Assert.Empty(intervals[0].QuerySelectorAll(".mark"));
        Assert.Equal(["80 lost", "▲3 reordered", "●2 dup"], intervals[1].QuerySelectorAll(".mark").Select(m => m.TextContent));
        Assert.NotNull(intervals[1].QuerySelector("rect.lost"));
    }
}
