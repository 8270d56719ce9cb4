using AngleSharp.Html.Parser;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Views;

namespace McastLab.Pipeline.Tests.Lab.Views;

/// <summary>report.html as a browser shows it: headless Chromium (Debian's chromium; ./build.sh Test installs it).</summary>
public sealed class ChromiumRenderingTests
{
    /// <summary>Where the screenshot is kept for people to look at (and the README's picture is copied from).</summary>
    public static string ScreenshotPath => Path.Combine(RepositoryRoot.Path, "artifacts/test-results/lab-report.png");

    private static ChromiumBrowser RequireChromium()
    {
        var browser = ChromiumBrowser.Find();
        Assert.SkipWhen(browser is null, "The report.html rendering test needs Chromium: ./build.sh Test installs Debian's 'chromium' package (or apt-get install -y --no-install-recommends chromium).");
        return browser!;
    }

    private static string WriteHtml(TemporaryDirectory directory, LabReport report)
    {
        new LabViews(new CapturingLog(), _ => null).Write(report, directory.Path);
        return Path.Combine(directory.Path, HtmlReport.FileName);
    }

    [Fact]
    public async Task Chromium_renders_every_check_and_a_chart_per_receiver_with_its_intervals()
    {
        var browser = RequireChromium();
        using var directory = new TemporaryDirectory();
        var report = ViewFixtures.Impaired();

        var dom = await new HtmlParser().ParseDocumentAsync(await browser.DumpDomAsync(WriteHtml(directory, report), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        Assert.Equal(report.Checks.Select(c => c.Name), dom.QuerySelectorAll("tr.check").Select(r => r.GetAttribute("data-check")));
        foreach (var check in report.Checks)
        {
            var row = dom.QuerySelectorAll("tr.check").Single(r => r.GetAttribute("data-check") == check.Name);
            Assert.Equal(LabReport.Verdict(check), row.QuerySelector("td.result")!.TextContent);
            if (check.Intervals is null) continue;
            var chart = dom.QuerySelectorAll("svg.rate-chart").Single(s => s.GetAttribute("data-check") == check.Name);
            Assert.Equal(check.Intervals.Count, chart.QuerySelectorAll("g.interval").Length);
        }
        Assert.Equal(report.Checks.Count(c => c.Intervals is not null), dom.QuerySelectorAll("svg.rate-chart g.interval").Select(g => g.ParentElement).Distinct().Count());

        // The failed receivers' charts mark where the datagrams went missing, and where they came twice.
        Assert.NotEmpty(dom.QuerySelectorAll("svg.rate-chart").Single(s => s.GetAttribute("data-check") == "k8s/pod-1").QuerySelectorAll(".lost-mark"));
        Assert.NotEmpty(dom.QuerySelectorAll("svg.rate-chart").Single(s => s.GetAttribute("data-check") == "k8s-2/pod-2/from-pod-interface").QuerySelectorAll(".duplicate-mark"));
        // The topology shows every pod with its addresses.
        foreach (var pod in report.Pods)
        {
            var box = dom.QuerySelectorAll("g.pod").Single(g => g.GetAttribute("data-pod") == pod.Name);
            foreach (var status in pod.NetworkStatus) Assert.Contains(status.Ips[0], box.TextContent, StringComparison.Ordinal);
        }
        // Self-contained: nothing to fetch, nothing to run.
        Assert.Empty(dom.QuerySelectorAll("script, link, img, iframe, [src]"));
    }

    [Fact]
    public async Task The_screenshot_of_a_report_of_todays_experiment_is_a_page_with_content_not_a_blank_one()
    {
        var browser = RequireChromium();
        using var directory = new TemporaryDirectory();
        var html = WriteHtml(directory, ViewFixtures.Impaired());
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        File.Delete(ScreenshotPath);

        await browser.ScreenshotAsync(html, ScreenshotPath, 1280, 2000, TestContext.Current.CancellationToken);

        var pixels = PngPixels.Read(await File.ReadAllBytesAsync(ScreenshotPath, TestContext.Current.CancellationToken));
        Assert.Equal((1280, 2000), (pixels.Width, pixels.Height));
        // Text, tables, the topology and the charts: measured 1-2 % ink on such a page; a blank page has none.
        Assert.True(pixels.InkShare > 0.01, $"only {pixels.InkShare:P2} of the screenshot differs from its background");
        Assert.True(pixels.Variance > 100, $"grey-level variance {pixels.Variance:0.0}: the page looks blank");
    }

    [Fact]
    public void A_blank_page_is_told_from_one_with_content()
    {
        // The screenshot test's measure, on a PNG of one colour (what a blank page gives).
        var blank = PngPixels.Read(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAD0lEQVR4nGP4jwQYiOMAANuQL9FuRbCyAAAAAElFTkSuQmCC"));

        Assert.Equal((4, 4), (blank.Width, blank.Height));
        Assert.Equal(0, blank.Variance);
        Assert.Equal(0, blank.InkShare);
    }
}
