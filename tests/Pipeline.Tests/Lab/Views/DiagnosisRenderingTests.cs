using AngleSharp.Html.Parser;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Views;

namespace McastLab.Pipeline.Tests.Lab.Views;

/// <summary>A failed check's diagnosis as Chromium shows report.html: beside the check, with its cause, evidence and fix.</summary>
public sealed class DiagnosisRenderingTests
{
    [Fact]
    public async Task Chromium_shows_the_cause_evidence_and_fix_beside_the_failed_check()
    {
        var browser = ChromiumBrowser.Find();
        Assert.SkipWhen(browser is null, "The report.html rendering test needs Chromium: ./build.sh Test installs Debian's 'chromium' package (or apt-get install -y --no-install-recommends chromium).");
        using var directory = new TemporaryDirectory();
        var impaired = ViewFixtures.Impaired();
        var failed = impaired.Failed.First().Name;
        var report = impaired with
        {
            Checks = [.. impaired.Checks.Select(c => c.Name != failed ? c : c with
            {
                Diagnosis = new CheckDiagnosis("no-querier", "no querier on a snooping segment",
                    "the switch snoops IGMP (mcast_snooping 1) and its ports p1 do not flood unregistered groups (mcast_flood off), and no querier runs (mcast_querier 0).",
                    "turn on a querier on the segment"),
            })],
        };
        new LabViews(new CapturingLog(), _ => null).Write(report, directory.Path);

        var dom = await new HtmlParser().ParseDocumentAsync(
            await browser!.DumpDomAsync(Path.Combine(directory.Path, HtmlReport.FileName), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        var row = dom.QuerySelectorAll("tr.check").Single(r => r.GetAttribute("data-check") == failed);
        var shown = row.QuerySelector("td.detail div.diagnosis")!;
        Assert.Equal("no-querier", shown.GetAttribute("data-cause"));
        Assert.Contains("mcast_querier 0", shown.TextContent, StringComparison.Ordinal);
        Assert.Contains("fix: turn on a querier on the segment", shown.TextContent, StringComparison.Ordinal);
        // Only the diagnosed check shows one.
        Assert.Single(dom.QuerySelectorAll("div.diagnosis"));
    }
}
