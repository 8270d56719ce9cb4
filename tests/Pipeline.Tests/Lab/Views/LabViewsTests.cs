using AngleSharp.Html.Parser;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Views;

namespace McastLab.Pipeline.Tests.Lab.Views;

public sealed class LabViewsTests
{
    [Fact]
    public void Report_html_and_junit_are_written_into_the_directory_and_the_summary_only_when_github_asks()
    {
        using var directory = new TemporaryDirectory();
        var log = new CapturingLog();

        var written = new LabViews(log, _ => null).Write(ViewFixtures.Clean(), Path.Combine(directory.Path, "lab"));

        Assert.Equal([Path.Combine(directory.Path, "lab", "report.html"), Path.Combine(directory.Path, "lab", "junit.xml")], written);
        Assert.All(written, f => Assert.True(File.Exists(f), f));
        Assert.Single(log.Lines);
    }

    [Fact]
    public void The_step_summary_is_appended_to_the_file_github_names_with_a_row_per_check()
    {
        using var directory = new TemporaryDirectory();
        var summary = directory.File("step-summary.md", "earlier step\n");
        var views = new LabViews(new CapturingLog(), name => name == "GITHUB_STEP_SUMMARY" ? summary : null);
        var report = ViewFixtures.Impaired();

        views.Write(report, directory.Path);

        var text = File.ReadAllText(summary);
        Assert.StartsWith("earlier step\n", text, StringComparison.Ordinal);
        var ran = report.Checks.Count(c => c.Status != CheckStatus.NotRun);
        Assert.Contains($"failed 2 of {ran} checks (1 not run)", text, StringComparison.Ordinal);
        var rows = text.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.Equal(report.Checks.Select(c => $"| {c.Name} |"), rows.Select(r => r[..(r.IndexOf(" |", 2, StringComparison.Ordinal) + 2)]));
        Assert.Equal(["k8s/pod-1", "k8s-2/pod-2/from-pod-interface"], rows.Where(r => r.Contains("❌ FAIL", StringComparison.Ordinal)).Select(r => r.Split(" | ")[0][2..]));
        Assert.Single(rows, r => r.StartsWith("| cleanup | ➖ not run", StringComparison.Ordinal));
    }

    [Fact]
    public void A_view_that_cannot_be_written_is_a_warning_and_does_not_hide_the_labs_verdict()
    {
        using var directory = new TemporaryDirectory();
        var blocked = directory.File("lab", "a file where the directory should be");
        var log = new CapturingLog();

        var written = new LabViews(log, _ => null).TryWrite(ViewFixtures.Clean(), blocked);

        Assert.Empty(written);
        Assert.Contains("could not be written", Assert.Single(log.At("warning")), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_check_is_a_row_with_its_status_and_a_check_not_run_says_why()
    {
        var report = ViewFixtures.Impaired();

        var dom = new HtmlParser().ParseDocument(HtmlReport.Render(report));

        Assert.Equal(report.Checks.Select(c => c.Name), dom.QuerySelectorAll("tr.check").Select(r => r.GetAttribute("data-check")));
        Assert.Equal(report.Checks.Select(LabReport.Verdict), dom.QuerySelectorAll("tr.check td.result").Select(c => c.TextContent));
        var cleanup = dom.QuerySelectorAll("tr.check").Single(r => r.GetAttribute("data-check") == "cleanup");
        Assert.Equal("Not run: the backend did not look for what the run left.", cleanup.QuerySelector("td.detail")!.TextContent);
        Assert.Contains("failed 2 of", dom.QuerySelector("#verdict")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_run_table_has_the_same_facts_for_every_backend_and_the_topology_draws_mcastsrc_only_when_there_was_one()
    {
        var local = ViewFixtures.Clean();
        var noOutside = new ReplayedRun(("nodes", "2")) { Topology = new BackendTopology(["k8s", "k8s-2"], 1, false, new Dictionary<LabAbility, string>()) }.Report();

        string[] Facts(LabReport r) => [.. new HtmlParser().ParseDocument(HtmlReport.Render(r)).QuerySelectorAll("table.run th").Select(h => h.TextContent)];
        string[] Hosts(LabReport r) => [.. new HtmlParser().ParseDocument(HtmlReport.Render(r)).QuerySelectorAll("g.host").Select(h => h.GetAttribute("data-host")!)];

        Assert.Equal(Facts(local), Facts(noOutside));
        Assert.Equal(["k8s", "k8s-2", "mcastsrc"], Hosts(local));
        Assert.Equal(["k8s", "k8s-2"], Hosts(noOutside));
    }

    [Fact]
    public void Text_from_the_report_is_escaped_not_interpreted()
    {
        var report = ViewFixtures.Clean() with { Checks = [new LabCheck { Name = "<script>alert(1)</script>", Passed = false, Detail = "a & b <i>" }] };

        var dom = new HtmlParser().ParseDocument(HtmlReport.Render(report));

        Assert.Empty(dom.QuerySelectorAll("script, i"));
        Assert.Equal("a & b <i>", dom.QuerySelector("td.detail")!.TextContent);
    }

    [Fact]
    public void A_chart_has_a_bar_per_interval_and_marks_loss_reordering_and_duplicates_where_they_happened()
    {
        var check = new LabCheck
        {
            Name = "r", Passed = false, Receiver = "k8s/pod-1",
            Intervals = [new ReceiverInterval(0, 1, 90, 0, 0, 0), new ReceiverInterval(1, 2, 10, 80, 3, 2)],
        };

        var chart = new HtmlParser().ParseDocument(HtmlReport.Render(ViewFixtures.Clean() with { Checks = [check] })).QuerySelector("svg.rate-chart")!;

        var intervals = chart.QuerySelectorAll("g.interval");
        Assert.Equal(2, intervals.Length);
        Assert.Empty(intervals[0].QuerySelectorAll(".mark"));
        Assert.Equal(["80 lost", "▲3 reordered", "●2 dup"], intervals[1].QuerySelectorAll(".mark").Select(m => m.TextContent));
        Assert.NotNull(intervals[1].QuerySelector("rect.lost"));
    }
}
