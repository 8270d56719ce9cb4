using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// artifacts/lab/junit.xml: the run as one test suite with one test case per check, so CI systems (GitLab's
/// junit report, Jenkins, GitHub test-report actions) list lab checks like tests. A failed check is a failure
/// whose message is its detail; a check not run is skipped, with its reason.
/// </summary>
public static class JUnitReport
{
    public const string FileName = "junit.xml";

    public static XDocument Build(LabReport results)
    {
        var suiteName = $"McastLab lab {results.Run.Id} ({results.Backend})";
        var failures = results.Failed.Count();
        var skipped = results.Checks.Count(c => c.Status == CheckStatus.NotRun);
        var time = results.DurationSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        var suite = new XElement("testsuite",
            new XAttribute("name", suiteName),
            new XAttribute("tests", results.Checks.Count),
            new XAttribute("failures", failures),
            new XAttribute("errors", 0),
            new XAttribute("skipped", skipped),
            new XAttribute("time", time),
            new XAttribute("timestamp", results.Started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)));
        suite.Add(new XElement("properties", RunFacts.Of(results).Select(p => new XElement("property", new XAttribute("name", p.Key), new XAttribute("value", p.Value)))));

        foreach (var check in results.Checks)
        {
            var testcase = new XElement("testcase",
                new XAttribute("name", check.Name),
                new XAttribute("classname", $"mcastlab.lab.{results.Backend}"),
                new XAttribute("time", 0));
            var text = Describe(check);
            switch (check.Status)
            {
                case CheckStatus.Failed:
                    testcase.Add(new XElement("failure", new XAttribute("message", check.Detail ?? "the check failed"), new XAttribute("type", "LabCheckFailed"), text));
                    break;
                case CheckStatus.NotRun:
                    testcase.Add(new XElement("skipped", new XAttribute("message", check.NotRunReason ?? "not run")));
                    break;
            }
            testcase.Add(new XElement("system-out", text));
            suite.Add(testcase);
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement("testsuites",
                new XAttribute("name", "McastLab lab"),
                new XAttribute("tests", results.Checks.Count),
                new XAttribute("failures", failures),
                new XAttribute("errors", 0),
                new XAttribute("skipped", skipped),
                new XAttribute("time", time),
                suite));
    }

    public static void Write(LabReport results, string path)
    {
        using var writer = XmlWriter.Create(path, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
        Build(results).Save(writer);
    }

    /// <summary>The detail and the figures a check has, one per line.</summary>
    internal static string Describe(LabCheck check)
    {
        var lines = new List<string>();
        if (check.Detail is { } detail) lines.Add(detail);
        var flow = string.Join(" ", new[]
        {
            check.Direction, check.Sender is null && check.Receiver is null ? null : $"{check.Sender ?? "?"} -> {check.Receiver ?? "?"}",
            check.Interface is null ? null : $"on {check.Interface}",
        }.OfType<string>());
        if (flow.Length > 0) lines.Add(flow);
        var figures = new (string Name, string? Value)[]
        {
            ("sent", check.Sent?.ToString(CultureInfo.InvariantCulture)), ("received", check.Received?.ToString(CultureInfo.InvariantCulture)),
            ("lost", check.Lost?.ToString(CultureInfo.InvariantCulture)), ("reordered", check.Reordered?.ToString(CultureInfo.InvariantCulture)),
            ("duplicates", check.Duplicates?.ToString(CultureInfo.InvariantCulture)), ("invalid", check.Invalid?.ToString(CultureInfo.InvariantCulture)),
            ("kernelDrops", check.KernelDrops?.ToString(CultureInfo.InvariantCulture)), ("jitterMs", check.JitterMs?.ToString("0.000", CultureInfo.InvariantCulture)),
            ("ttlSeen", check.TtlSeen?.ToString(CultureInfo.InvariantCulture)), ("podAddress", check.PodAddress),
        }.Where(f => f.Value is not null).Select(f => $"{f.Name}={f.Value}").ToList();
        if (figures.Count > 0) lines.Add(string.Join(" ", figures));
        return string.Join("\n", lines);
    }
}
