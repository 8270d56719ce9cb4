using System.Buffers.Binary;
using System.Text.Json;
using AngleSharp.Html.Parser;
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

    private static async Task<(AngleSharp.Dom.IDocument Dom, string Html, string Report)> RenderAsync(ChromiumBrowser browser, TemporaryDirectory directory, string fixture)
    {
        var report = ViewFixtures.CopyTo(directory, fixture);
        new LabViews(new CapturingLog(), _ => null).Write(report);
        var html = Path.Combine(Path.GetDirectoryName(report)!, HtmlReport.FileName);
        var dom = await browser.DumpDomAsync(html, TestContext.Current.CancellationToken);
        return (await new HtmlParser().ParseDocumentAsync(dom, TestContext.Current.CancellationToken), html, report);
    }

    [Fact]
    public async Task Chromium_renders_every_check_and_a_chart_per_receiver_with_its_intervals()
    {
        var browser = RequireChromium();
        using var directory = new TemporaryDirectory();

        var (dom, _, report) = await RenderAsync(browser, directory, ViewFixtures.Contract);

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(checks.Select(c => c.GetProperty("name").GetString()), dom.QuerySelectorAll("tr.check").Select(r => r.GetAttribute("data-check")));
        foreach (var check in checks)
        {
            var name = check.GetProperty("name").GetString()!;
            var row = dom.QuerySelectorAll("tr.check").Single(r => r.GetAttribute("data-check") == name);
            Assert.Equal(check.GetProperty("passed").GetBoolean() ? "pass" : "FAIL", row.QuerySelector("td.result")!.TextContent);
            if (!check.TryGetProperty("intervals", out var intervals)) continue;
            var chart = dom.QuerySelectorAll("svg.rate-chart").Single(s => s.GetAttribute("data-check") == name);
            Assert.Equal(intervals.GetArrayLength(), chart.QuerySelectorAll("g.interval").Length);
        }
        var receivers = checks.Count(c => c.TryGetProperty("intervals", out _));
        Assert.Equal(receivers, dom.QuerySelectorAll("svg.rate-chart").Length);

        // The failed receiver's chart marks where the datagrams went missing.
        var failed = dom.QuerySelectorAll("svg.rate-chart").Single(s => s.GetAttribute("data-check") == "k8s/pod-1");
        Assert.NotEmpty(failed.QuerySelectorAll(".lost-mark"));
        Assert.NotEmpty(failed.QuerySelectorAll(".duplicate-mark"));
        Assert.Contains("failed 1 of 7", dom.QuerySelector("#verdict")!.TextContent, StringComparison.Ordinal);
        // The topology shows every pod of pods[] with its addresses.
        foreach (var pod in json.RootElement.GetProperty("pods").EnumerateArray())
        {
            var box = dom.QuerySelectorAll("g.pod").Single(g => g.GetAttribute("data-pod") == pod.GetProperty("name").GetString());
            foreach (var status in pod.GetProperty("networkStatus").EnumerateArray())
            {
                Assert.Contains(status.GetProperty("ips")[0].GetString()!, box.TextContent, StringComparison.Ordinal);
            }
        }
        // Self-contained: nothing to fetch, nothing to run.
        Assert.Empty(dom.QuerySelectorAll("script, link, img, iframe, [src]"));
    }

    [Fact]
    public async Task Chromium_renders_a_report_of_todays_lab_without_intervals_hosts_or_pods()
    {
        var browser = RequireChromium();
        using var directory = new TemporaryDirectory();

        var (dom, _, report) = await RenderAsync(browser, directory, ViewFixtures.Captured);

        using var json = JsonDocument.Parse(File.ReadAllText(report));
        Assert.Equal(json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()),
            dom.QuerySelectorAll("tr.check").Select(r => r.GetAttribute("data-check")));
        Assert.Empty(dom.QuerySelectorAll("svg.rate-chart"));
        // Each receiver says it has no per-second figures instead of showing an empty chart.
        Assert.Equal(["outside-kubernetes", "k8s/pod-1", "negative-control", "k8s/iperf-pod"],
            dom.QuerySelectorAll("section.receiver").Where(s => s.QuerySelector(".no-intervals") is not null).Select(s => s.GetAttribute("data-check")));
        // Pods come from the "node/pod" check names and their addresses.
        Assert.Contains("10.0.0.14", dom.QuerySelectorAll("g.pod").Single(g => g.GetAttribute("data-pod") == "pod-1").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Screenshot_of_the_report_is_kept_as_a_test_artifact()
    {
        var browser = RequireChromium();
        using var directory = new TemporaryDirectory();
        var report = ViewFixtures.CopyTo(directory, ViewFixtures.Contract);
        new LabViews(new CapturingLog(), _ => null).Write(report);
        Directory.CreateDirectory(Path.GetDirectoryName(ScreenshotPath)!);
        File.Delete(ScreenshotPath);

        await browser.ScreenshotAsync(Path.Combine(Path.GetDirectoryName(report)!, HtmlReport.FileName), ScreenshotPath, 1280, 2000, TestContext.Current.CancellationToken);

        var png = await File.ReadAllBytesAsync(ScreenshotPath, TestContext.Current.CancellationToken);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal(1280, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)));
        Assert.Equal(2000, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
    }
}
