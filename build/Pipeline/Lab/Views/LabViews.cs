using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// Everything people and CI look at, made from the run's report (the one written to report.json) after every lab
/// run, pass or fail: report.html and junit.xml beside report.json, and the Markdown summary when GitHub Actions
/// asks for one (GITHUB_STEP_SUMMARY).
/// </summary>
public sealed class LabViews(IBuildLog log, Func<string, string?>? environment = null)
{
    private readonly Func<string, string?> environment = environment ?? Environment.GetEnvironmentVariable;

    /// <summary>Writes the views of the report into <paramref name="directory"/>; returns the files written.</summary>
    public IReadOnlyList<string> Write(LabReport results, string directory)
    {
        Directory.CreateDirectory(directory);
        var html = Path.Combine(directory, HtmlReport.FileName);
        var junit = Path.Combine(directory, JUnitReport.FileName);
        File.WriteAllText(html, HtmlReport.Render(results));
        JUnitReport.Write(results, junit);
        List<string> written = [html, junit];
        if (environment(StepSummary.Variable) is { Length: > 0 } summary)
        {
            StepSummary.Append(results, summary);
            written.Add(summary);
        }
        log.Verbose($"Views: {string.Join(", ", written.Take(2).Select(Path.GetFileName))}{(written.Count > 2 ? " and the GitHub step summary" : "")} beside it.");
        return written;
    }

    /// <summary>
    /// The lab's call: the views must not hide the lab's verdict, so a view that cannot be written is a
    /// warning (with what to do), never the build's failure. Returns the files written (none on failure).
    /// </summary>
    public IReadOnlyList<string> TryWrite(LabReport results, string directory)
    {
        try
        {
            return Write(results, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Xml.XmlException)
        {
            log.Warning($"The lab's views (report.html, junit.xml) could not be written into {directory}: {e.Message}; check the directory and rerun ./build.sh Lab.");
            return [];
        }
    }
}
