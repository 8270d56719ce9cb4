using System.Xml.Linq;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Views;

namespace McastLab.Pipeline.Tests.Lab.Views;

public sealed class JUnitReportTests
{
    private static XDocument Write(LabReport report)
    {
        using var directory = new TemporaryDirectory();
        new LabViews(new CapturingLog(), _ => null).Write(report, directory.Path);
        return XDocument.Load(Path.Combine(directory.Path, JUnitReport.FileName));
    }

    [Fact]
    public void Junit_has_one_suite_for_the_run_and_one_test_case_per_check()
    {
        var report = ViewFixtures.Impaired();

        var root = Write(report).Root!;

        Assert.Equal("testsuites", root.Name.LocalName);
        var suite = Assert.Single(root.Elements());
        Assert.Equal("testsuite", suite.Name.LocalName);
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(report.Checks.Select(c => c.Name), cases.Select(c => (string?)c.Attribute("name")));
        Assert.All(cases, c => Assert.Equal("mcastlab.lab.local", (string?)c.Attribute("classname")));
        // The counts the CI systems show agree with the test cases.
        Assert.Equal(cases.Count, (int)suite.Attribute("tests")!);
        Assert.Equal(cases.Count(c => c.Element("failure") is not null), (int)suite.Attribute("failures")!);
        Assert.Equal(cases.Count(c => c.Element("skipped") is not null), (int)suite.Attribute("skipped")!);
        Assert.Equal(0, (int)suite.Attribute("errors")!);
        Assert.Equal((int)suite.Attribute("failures")!, (int)root.Attribute("failures")!);
        Assert.Equal(cases.Count, (int)root.Attribute("tests")!);
        Assert.Contains(report.Run.Id, (string)suite.Attribute("name")!, StringComparison.Ordinal);
        Assert.Equal("2026-12-06T19:00:00", (string?)suite.Attribute("timestamp"));
        Assert.Contains(suite.Element("properties")!.Elements("property"), p => (string?)p.Attribute("name") == "group" && (string?)p.Attribute("value") == "224.0.67.67");
    }

    [Fact]
    public void Failures_are_exactly_the_failed_checks_with_their_detail_and_a_check_not_run_is_skipped_with_its_reason()
    {
        var report = ViewFixtures.Impaired();

        var cases = Write(report).Descendants("testcase").ToList();

        var failures = cases.Where(c => c.Element("failure") is not null).ToDictionary(c => (string)c.Attribute("name")!, c => c.Element("failure")!);
        Assert.Equal(report.Failed.Select(c => c.Name), failures.Keys);
        foreach (var check in report.Failed) Assert.Equal(check.Detail, (string?)failures[check.Name].Attribute("message"));
        Assert.Contains("lost=1", failures["k8s/pod-1"].Value, StringComparison.Ordinal);
        Assert.Contains("duplicates=", failures["k8s-2/pod-2/from-pod-interface"].Value, StringComparison.Ordinal);
        var skipped = Assert.Single(cases, c => c.Element("skipped") is not null);
        Assert.Equal(("cleanup", "the backend did not look for what the run left"), ((string?)skipped.Attribute("name"), (string?)skipped.Element("skipped")!.Attribute("message")));
    }
}
