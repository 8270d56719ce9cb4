using System.Globalization;
using System.Text;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// The checks as GitHub-flavoured Markdown for the job's summary page: appended to the file GitHub Actions
/// names in GITHUB_STEP_SUMMARY (appended, as other steps write there too).
/// </summary>
public static class StepSummary
{
    public const string Variable = "GITHUB_STEP_SUMMARY";

    public static string Render(LabReport results)
    {
        var md = new StringBuilder();
        var verdict = (results.Passed ? "✅ " : "❌ ") + HtmlReport.Title(results);
        md.Append(CultureInfo.InvariantCulture, $"### McastLab lab {results.Run.Id} ({results.Backend}): {verdict}\n\n");
        if (results.Checks.Count > 0)
        {
            md.Append("| check | result | sent | received | lost | reordered | dup | detail |\n");
            md.Append("|---|---|--:|--:|--:|--:|--:|---|\n");
            foreach (var c in results.Checks)
            {
                var result = c.Status switch { CheckStatus.Passed => "✅ pass", CheckStatus.Failed => "❌ FAIL", _ => "➖ not run" };
                md.Append(CultureInfo.InvariantCulture,
                    $"| {Cell(c.Name)} | {result} | {N(c.Sent)} | {N(c.Received)} | {N(c.Lost)} | {N(c.Reordered)} | {N(c.Duplicates)} | {Cell(c.Detail ?? "–")} |\n");
            }
        }
        md.Append("\nThe charts and the topology are in `report.html` of the lab artifact.\n\n");
        return md.ToString();
    }

    public static void Append(LabReport results, string path) => File.AppendAllText(path, Render(results), new UTF8Encoding(false));

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "–";

    /// <summary>A table cell: pipes escaped, line breaks folded.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
