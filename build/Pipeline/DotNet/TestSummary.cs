using System.Xml.Linq;

namespace McastLab.Pipeline.DotNet;

/// <summary>Counts from the .trx files that dotnet test wrote, with the reason of every skipped test.</summary>
public sealed record TestSummary(int Passed, int Failed, IReadOnlyList<(string Name, string Reason)> Skipped)
{
    private static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    /// <summary>
    /// Why the run failed, or null. In CI everything is installed, so a skipped test means something broke
    /// (a package, a service, a path): there a skip fails the run, with every skipped test and its reason.
    /// </summary>
    public string? Failure(int exitCode, bool skipsFail)
    {
        var problems = new List<string>();
        if (exitCode != 0 || Failed > 0) problems.Add($"{Failed} test(s) failed (dotnet test exit code {exitCode})");
        else if (Passed == 0) problems.Add("No test ran; check that the test projects are in McastLab.sln");
        if (skipsFail && Skipped.Count > 0)
        {
            problems.Add($"{Skipped.Count} test(s) skipped under CI=true, where every prerequisite is installed: "
                + string.Join("; ", Skipped.Select(s => $"{s.Name} ({s.Reason})"))
                + "; declare what they name on the Test target in build/build.cake, whose Prerequisites step installs it");
        }
        return problems.Count == 0 ? null : string.Join("; and ", problems);
    }

    public static TestSummary Read(string directory)
    {
        int passed = 0, failed = 0;
        var skipped = new List<(string, string)>();
        if (!Directory.Exists(directory)) return new TestSummary(0, 0, skipped);
        foreach (var file in Directory.EnumerateFiles(directory, "*.trx", SearchOption.AllDirectories))
        {
            foreach (var result in XDocument.Load(file).Descendants(Trx + "UnitTestResult"))
            {
                switch ((string?)result.Attribute("outcome"))
                {
                    case "Passed":
                        passed++;
                        break;
                    case "NotExecuted":
                        var reason = result.Descendants(Trx + "Text").FirstOrDefault()?.Value
                            ?? result.Descendants(Trx + "Message").FirstOrDefault()?.Value ?? "no reason given";
                        skipped.Add(((string?)result.Attribute("testName") ?? "?", reason.Trim()));
                        break;
                    default:
                        failed++;
                        break;
                }
            }
        }
        return new TestSummary(passed, failed, skipped);
    }
}
