using System.Xml.Linq;

namespace McastLab.Pipeline.DotNet;

/// <summary>Counts from the .trx files that dotnet test wrote, with the reason of every skipped test.</summary>
public sealed record TestSummary(int Passed, int Failed, IReadOnlyList<(string Name, string Reason)> Skipped)
{
    private static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

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
