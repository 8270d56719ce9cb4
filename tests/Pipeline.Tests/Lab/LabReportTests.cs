using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;

namespace McastLab.Pipeline.Tests.Lab;

public sealed class LabReportTests
{
    private static readonly LabRunFacts Facts = new("mcl0a1b2c", "here", "224.0.67.67", ["k8s"], 1, true, "1M", 5, 5, "eth1-multicast", "m:1", "i:1", [new FlowPort("outside-to-pods", 5001)]);

    private static LabReport Report(params LabCheck[] checks) => new()
    {
        Backend = "local",
        Run = Facts,
        Started = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero),
        DurationSeconds = 12.5,
        Checks = checks,
    };

    private static readonly LabCheck Good = new()
    {
        Name = "pod-1/iperf-to-mcast", Passed = true, Sent = 446, Received = 446, Lost = 0, Reordered = 0, Duplicates = 0,
        JitterMs = 0.0123, TtlSeen = 5, PodAddress = "10.0.0.13", Detail = "446 of 446 datagrams",
    };

    private static readonly LabCheck Bad = new() { Name = "negative-control", Passed = false, Received = 3, Detail = "a pod without the attachment received 3 datagrams" };

    [Fact]
    public void Report_json_has_one_entry_per_check_with_its_figures_and_leaves_out_unmeasured_ones()
    {
        var directory = Directory.CreateTempSubdirectory("mcastlab-report-");
        try
        {
            var path = Report(Good, Bad).Write(Path.Combine(directory.FullName, "lab"));

            var json = JsonNode.Parse(File.ReadAllText(path))!;
            var checks = json["checks"]!.AsArray();
            Assert.Equal(2, checks.Count);
            Assert.Equal("pod-1/iperf-to-mcast", (string?)checks[0]!["name"]);
            Assert.True((bool)checks[0]!["passed"]!);
            Assert.Equal(446, (long)checks[0]!["received"]!);
            Assert.Equal(5, (int)checks[0]!["ttlSeen"]!);
            Assert.Equal("10.0.0.13", (string?)checks[0]!["podAddress"]);
            Assert.False((bool)checks[1]!["passed"]!);
            Assert.Null(checks[1]!["sent"]);
            Assert.Equal("local", (string?)json["backend"]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Report_json_is_the_contract_a_reader_gets_back_whole_with_each_checks_status()
    {
        var report = new ReplayedRun().Report();
        var directory = Directory.CreateTempSubdirectory("mcastlab-report-");
        try
        {
            var json = File.ReadAllText(report.Write(directory.FullName));

            var back = LabReport.FromJson(json);
            Assert.Equal(report.Run, back.Run with { Nodes = report.Run.Nodes, Flows = report.Run.Flows });
            Assert.Equal(report.Run.Nodes, back.Run.Nodes);
            Assert.Equal(report.Run.Flows, back.Run.Flows);
            Assert.Equal(report.Checks.Select(Figures), back.Checks.Select(Figures));
            Assert.Equal(report.Checks.Select(c => c.Status), back.Checks.Select(c => c.Status));
            var statuses = JsonNode.Parse(json)!["checks"]!.AsArray().Select(c => (string?)c!["status"]).Distinct();
            Assert.Equal(["passed"], statuses);
            Assert.Equal("mcl0a1b2c", (string?)JsonNode.Parse(json)!["run"]!["run"]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_check_not_run_is_in_report_json_with_its_reason_and_fails_nothing()
    {
        var notRun = LabCheck.NotRunBecause(new PlannedCheck("mcastsrc/from-pod-bind", FlowDirection.PodToOutside), "this lab has no outside host");

        var report = Report(Good, notRun);

        var json = JsonNode.Parse(report.ToJson())!["checks"]![1]!;
        Assert.Equal(("notRun", "this lab has no outside host", false), ((string?)json["status"], (string?)json["notRunReason"], (bool)json["passed"]!));
        Assert.True(report.Passed);
        Assert.False(Report(notRun).Passed);
        Assert.Contains("not run", report.Table()[2], StringComparison.Ordinal);
    }

    private static string Figures(LabCheck check) => System.Text.Json.JsonSerializer.Serialize(check);

    [Fact]
    public void Failure_names_each_failed_check_in_one_sentence()
    {
        var second = Bad with { Name = "outside-kubernetes" };
        var e = Assert.Throws<PipelineException>(() => Report(Good, Bad, second).EnsurePassed("artifacts/lab/report.json"));
        Assert.Contains("2 of 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("negative-control, outside-kubernetes", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pod-1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_report_without_checks_is_a_failure()
    {
        Assert.False(Report().Passed);
        Assert.Throws<PipelineException>(() => Report().EnsurePassed("report.json"));
    }

    [Fact]
    public void All_passed_does_not_throw()
    {
        Report(Good).EnsurePassed("report.json");
        Assert.True(Report(Good).Passed);
    }

    [Fact]
    public void Table_aligns_columns_and_shows_unmeasured_figures_as_dashes()
    {
        var table = Report(Good, Bad).Table();
        Assert.Equal(3, table.Count);
        Assert.StartsWith("check", table[0], StringComparison.Ordinal);
        Assert.Contains("FAIL", table[2], StringComparison.Ordinal);
        Assert.Contains("0.012", table[1], StringComparison.Ordinal);
        Assert.Equal(table[0].IndexOf("result", StringComparison.Ordinal), table[1].IndexOf("pass", StringComparison.Ordinal));
        Assert.Contains(" - ", table[2], StringComparison.Ordinal);
    }
}
