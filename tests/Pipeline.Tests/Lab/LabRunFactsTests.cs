using System.Text.Json.Nodes;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Views;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>report.json's run facts carry the segment, the fault and the soak with the same fields for every backend; report.html shows them.</summary>
public sealed class LabRunFactsTests
{
    [Fact]
    public void A_local_run_writes_its_segment_fault_and_soak_into_report_json_and_reads_them_back()
    {
        var report = new ReplayedRun(("segment", "snooping"), ("fault", "igmp-blocked"), ("soak", "20")).Report();

        var run = JsonNode.Parse(report.ToJson())!["run"]!;
        Assert.Equal(("snooping", "igmp-blocked", 20), ((string?)run["segment"], (string?)run["fault"], (int?)run["soakSeconds"]));
        var back = LabReport.FromJson(report.ToJson()).Run;
        Assert.Equal(("snooping", "igmp-blocked", (int?)20), (back.Segment, back.Fault, back.SoakSeconds));
        var html = HtmlReport.Render(report);
        Assert.Contains("<th>segment</th><td>snooping</td>", html, StringComparison.Ordinal);
        Assert.Contains("<th>fault</th><td>igmp-blocked</td>", html, StringComparison.Ordinal);
        Assert.Contains("<th>soak</th><td>20 s</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_run_says_flood_none_and_no_soak()
    {
        var report = new ReplayedRun().Report();

        var back = LabReport.FromJson(report.ToJson()).Run;
        Assert.Equal(("flood", "none", (int?)0), (back.Segment, back.Fault, back.SoakSeconds));
        Assert.Contains(RunFacts.Of(report), f => f.Key == "soak" && f.Value == "none");
    }

    [Fact]
    public void A_cluster_run_has_the_same_fields_as_null_and_the_views_say_not_applicable()
    {
        var replayed = new ReplayedRun();
        var settings = replayed.Settings with { Backend = Pipeline.Parameters.LabBackend.Cluster };
        var facts = LabRunFacts.Of("mcl0a1b2c", new LabRequest(settings, "m:1", "i:1", "manifests"), replayed.Experiment, replayed.Topology, "a cluster");
        var report = replayed.Report() with { Backend = "cluster", Run = facts };

        var run = JsonNode.Parse(report.ToJson())!["run"]!.AsObject();
        foreach (var field in new[] { "segment", "fault", "soakSeconds" })
        {
            Assert.True(run.ContainsKey(field), $"report.json's run lacks {field}");
            Assert.Equal(System.Text.Json.JsonValueKind.Null, run[field]?.GetValueKind() ?? System.Text.Json.JsonValueKind.Null);
        }
        Assert.Null(LabReport.FromJson(report.ToJson()).Run.Segment);
        Assert.Contains(RunFacts.Of(report), f => f.Key == "segment" && f.Value == RunFacts.NotApplicable);
    }
}
