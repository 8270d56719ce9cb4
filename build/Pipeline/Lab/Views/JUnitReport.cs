using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// artifacts/lab/junit.xml: the run as one test suite with one test case per check, so CI systems (GitLab's
/// junit report, Jenkins, GitHub test-report actions) list lab checks like tests. A failed check is a failure
/// whose message is its detail; a check whose verdict report.json lacks is an error.
/// </summary>
public static class JUnitReport
{
    public const string FileName = "junit.xml";

    public static XDocument Build(LabResults results)
    {
        var suiteName = $"McastLab lab{(results.RunId is { } run ? " " + run : "")} ({results.Backend ?? "unknown backend"})";
        var failures = results.Checks.Count(c => c.Passed == false);
        var errors = results.Checks.Count(c => c.Passed is null);
        var time = (results.DurationSeconds ?? 0).ToString("0.###", CultureInfo.InvariantCulture);
        var suite = new XElement("testsuite",
            new XAttribute("name", suiteName),
            new XAttribute("tests", results.Checks.Count),
            new XAttribute("failures", failures),
            new XAttribute("errors", errors),
            new XAttribute("skipped", 0),
            new XAttribute("time", time));
        if (results.Started is { } started)
        {
            suite.Add(new XAttribute("timestamp", started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)));
        }
        var properties = results.Run.Select(p => new XElement("property", new XAttribute("name", p.Key), new XAttribute("value", p.Value))).ToList();
        if (results.Backend is { } backend) properties.Insert(0, new XElement("property", new XAttribute("name", "backend"), new XAttribute("value", backend)));
        if (properties.Count > 0) suite.Add(new XElement("properties", properties));

        foreach (var check in results.Checks)
        {
            var testcase = new XElement("testcase",
                new XAttribute("name", check.Name),
                new XAttribute("classname", $"mcastlab.lab.{results.Backend ?? "unknown"}"),
                new XAttribute("time", 0));
            var text = Describe(check);
            switch (check.Passed)
            {
                case false:
                    testcase.Add(new XElement("failure", new XAttribute("message", check.Detail ?? "the check failed"), new XAttribute("type", "LabCheckFailed"), text));
                    break;
                case null:
                    testcase.Add(new XElement("error", new XAttribute("message", "report.json does not say whether this check passed"), new XAttribute("type", "LabCheckUnknown"), text));
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
                new XAttribute("errors", errors),
                new XAttribute("time", time),
                suite));
    }

    public static void Write(LabResults results, string path)
    {
        using var writer = XmlWriter.Create(path, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) });
        Build(results).Save(writer);
    }

    /// <summary>The detail and the figures a check has, one per line.</summary>
    internal static string Describe(CheckResult check)
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
            ("duplicates", check.Duplicates?.ToString(CultureInfo.InvariantCulture)), ("jitterMs", check.JitterMs?.ToString("0.000", CultureInfo.InvariantCulture)),
            ("ttlSeen", check.TtlSeen?.ToString(CultureInfo.InvariantCulture)), ("podAddress", check.PodAddress),
        }.Where(f => f.Value is not null).Select(f => $"{f.Name}={f.Value}").ToList();
        if (figures.Count > 0) lines.Add(string.Join(" ", figures));
        return string.Join("\n", lines);
    }
}
