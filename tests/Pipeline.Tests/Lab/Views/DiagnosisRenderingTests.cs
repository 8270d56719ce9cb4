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
        Assert.SkipWhen(browser is null, "The report.html rendering test needs Chromium: install Debian's 'chromium' package (apt-get install -y --no-install-recommends chromium).");
        using var directory = new TemporaryDirectory();
        var diagnosis = new CheckDiagnosis("no-querier", "no querier on a snooping segment",
            "the switch snoops IGMP (mcast_snooping 1) and its ports p1 do not flood unregistered groups (mcast_flood off), and no querier runs (mcast_querier 0).",
            "turn on a querier on the segment");
        var report = new LabReport
        {
            Backend = "local",
            Started = DateTimeOffset.UnixEpoch,
            DurationSeconds = 1,
            Checks =
            [
                new LabCheck { Name = "k8s/pod-1", Passed = false, Detail = "received 0 of 100 datagrams sent (100 missing).", Receiver = "k8s/pod-1", Sent = 100, Received = 0, Diagnosis = diagnosis },
                new LabCheck { Name = "cleanup", Passed = true, Detail = "Every container was removed." },
            ],
        };
        var path = report.Write(directory.Path);

        new LabViews(new CapturingLog(), _ => null).Write(path);
        var dom = await new HtmlParser().ParseDocumentAsync(
            await browser!.DumpDomAsync(Path.Combine(directory.Path, HtmlReport.FileName), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        var row = dom.QuerySelectorAll("tr.check").Single(r => r.GetAttribute("data-check") == "k8s/pod-1");
        var shown = row.QuerySelector("div.diagnosis")!;
        Assert.Equal("no-querier", shown.GetAttribute("data-cause"));
        Assert.Contains("mcast_querier 0", shown.TextContent, StringComparison.Ordinal);
        Assert.Contains("fix: turn on a querier on the segment", shown.TextContent, StringComparison.Ordinal);
        Assert.Null(dom.QuerySelectorAll("tr.check").Single(r => r.GetAttribute("data-check") == "cleanup").QuerySelector("div.diagnosis"));
    }
}
