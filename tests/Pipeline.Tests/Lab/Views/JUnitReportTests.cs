using System.Text.Json;
using System.Xml.Linq;
using McastLab.Pipeline.Lab.Views;

namespace McastLab.Pipeline.Tests.Lab.Views;

public sealed class JUnitReportTests
{
    private static (XDocument Junit, JsonElement Report) Write(string fixture)
    {
        using var directory = new TemporaryDirectory();
        var report = ViewFixtures.CopyTo(directory, fixture);
        new LabViews(new CapturingLog(), _ => null).Write(report);
        var junit = XDocument.Load(Path.Combine(Path.GetDirectoryName(report)!, JUnitReport.FileName));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return (junit, json.RootElement.Clone());
    }

    [Theory]
    [InlineData("report-captured.json")]
    [InlineData("report-contract.json")]
    public void Junit_has_one_suite_for_the_run_and_one_test_case_per_check(string fixture)
    {
        var (junit, report) = Write(Path.Combine(ViewFixtures.Directory, fixture));

        var root = junit.Root!;
        Assert.Equal("testsuites", root.Name.LocalName);
        var suite = Assert.Single(root.Elements());
        Assert.Equal("testsuite", suite.Name.LocalName);
        var checks = report.GetProperty("checks").EnumerateArray().ToList();
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(checks.Select(c => c.GetProperty("name").GetString()), cases.Select(c => (string?)c.Attribute("name")));
        Assert.All(cases, c => Assert.Equal("mcastlab.lab.local", (string?)c.Attribute("classname")));
        // The counts the CI systems show agree with the test cases.
        Assert.Equal(cases.Count, (int)suite.Attribute("tests")!);
        Assert.Equal(cases.Count(c => c.Element("failure") is not null), (int)suite.Attribute("failures")!);
        Assert.Equal(0, (int)suite.Attribute("errors")!);
        Assert.Equal((int)suite.Attribute("failures")!, (int)root.Attribute("failures")!);
        Assert.Equal(cases.Count, (int)root.Attribute("tests")!);
        Assert.Contains(report.GetProperty("run").GetProperty("run").GetString()!, (string)suite.Attribute("name")!, StringComparison.Ordinal);
        Assert.Equal("2026-12-02T13:23:54", (string?)suite.Attribute("timestamp"));
        Assert.Contains(suite.Element("properties")!.Elements("property"), p => (string?)p.Attribute("name") == "group" && (string?)p.Attribute("value") == "224.0.67.67:5001");
    }

    [Fact]
    public void Failures_are_exactly_the_failed_checks_with_their_detail()
    {
        var (junit, report) = Write(ViewFixtures.Contract);

        var failedInReport = report.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("passed").GetBoolean())
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("detail").GetString()!);
        var failures = junit.Descendants("testcase").Where(c => c.Element("failure") is not null)
            .ToDictionary(c => (string)c.Attribute("name")!, c => c.Element("failure")!);
        Assert.Equal(["k8s/pod-1"], failedInReport.Keys);
        Assert.Equal(failedInReport.Keys, failures.Keys);
        foreach (var (name, failure) in failures)
        {
            Assert.Equal(failedInReport[name], (string?)failure.Attribute("message"));
            Assert.Contains("lost=105", failure.Value, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_check_without_a_verdict_is_an_error_not_a_pass()
    {
        var results = LabResults.Parse("""{"checks":[{"name":"a","passed":true},{"name":"b"}]}""");

        var suite = JUnitReport.Build(results).Root!.Element("testsuite")!;

        Assert.Equal(1, (int)suite.Attribute("errors")!);
        Assert.NotNull(suite.Elements("testcase").Single(c => (string?)c.Attribute("name") == "b").Element("error"));
        Assert.Null(suite.Elements("testcase").Single(c => (string?)c.Attribute("name") == "a").Element("error"));
    }
}
