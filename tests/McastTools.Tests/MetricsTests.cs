using McastLab.McastTools.Cli;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using McastLab.McastTools.Accounting;
using McastLab.McastTools.Metrics;
using McastLab.McastTools.Sockets;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Tests;

/// <summary>`mcast recv --metrics`: the exposition, its names, and the HTTP endpoint that serves it.</summary>
public sealed class MetricsTests
{
    private static readonly IPAddress GroupA = IPAddress.Parse("239.1.1.1");
    private static readonly IPAddress GroupB = IPAddress.Parse("239.1.1.2");
    private static readonly IPAddress Silent = IPAddress.Parse("239.1.1.3");

    private static byte[] Datagram(long id)
    {
        var bytes = DatagramTemplate.Create(100);
        new IperfHeader(id, 1_000_000, 0).Write(bytes);
        return bytes;
    }

    /// <summary>Two streams: ids 1-10 without 4 (one lost) to group A, 1-5 with 3 twice to group B, and a silent group C.</summary>
    private static PublishedState State()
    {
        var table = new StreamTable();
        var a = table.For(new StreamKey(IPAddress.Parse("10.0.0.12"), 40000, GroupA));
        foreach (var id in new long[] { 1, 2, 3, 5, 6, 7, 8, 9, 10 })
        {
            // Arrival 200 µs after the sender's timestamp (1 000 000 s): a known latency.
            a.Record(Datagram(id), 1.0, 1_000_000_000_200_000, 64);
        }

        var b = table.For(new StreamKey(IPAddress.Parse("10.0.0.14"), 40001, GroupB));
        foreach (var id in new long[] { 1, 2, 3, 3, 4, 5 })
        {
            // 400 µs, then 30 ms for the last one.
            b.Record(Datagram(id), 2.0, id == 5 ? 1_000_000_030_000_000 : 1_000_000_000_400_000, 64);
        }

        var board = new MetricsBoard();
        board.Publish(2.5, [GroupA, GroupB, Silent], sockets: 1, kernelDrops: 7, table);
        return board.Latest!;
    }

    [Fact]
    public void The_exposition_carries_each_streams_counters_labelled_by_group_and_source()
    {
        var exposition = PrometheusExposition.Parse(ReceiverMetrics.Render(State()));

        Assert.Equal(9, exposition.Value("mcast_received_datagrams_total", "239.1.1.1", "10.0.0.12"));
        Assert.Equal(900, exposition.Value("mcast_received_bytes_total", "239.1.1.1", "10.0.0.12"));
        Assert.Equal(1, exposition.Value("mcast_lost_datagrams", "239.1.1.1", "10.0.0.12"));
        Assert.Equal(5, exposition.Value("mcast_received_datagrams_total", "239.1.1.2", "10.0.0.14"));
        Assert.Equal(1, exposition.Value("mcast_duplicate_datagrams_total", "239.1.1.2", "10.0.0.14"));
        Assert.Equal("40001", Assert.Single(exposition.Samples, s => s.Name == "mcast_received_datagrams_total" && s.Label("group") == "239.1.1.2").Label("source_port"));
        Assert.Equal(7, Assert.Single(exposition.Samples, s => s.Name == "mcast_kernel_dropped_datagrams_total").Value);
        Assert.Equal(9, exposition.Value("mcast_latency_seconds_count", "239.1.1.1", "10.0.0.12"));
        Assert.Equal(9 * 0.000200, exposition.Value("mcast_latency_seconds_sum", "239.1.1.1", "10.0.0.12"), 9);
    }

    [Fact]
    public void The_latency_histogram_buckets_count_a_known_distribution()
    {
        var exposition = PrometheusExposition.Parse(ReceiverMetrics.Render(State()));
        IReadOnlyDictionary<string, double> Buckets(string group) => exposition.Samples
            .Where(s => s.Name == "mcast_latency_seconds_bucket" && s.Label("group") == group)
            .ToDictionary(s => s.Label("le"), s => s.Value);

        var a = Buckets("239.1.1.1");
        var b = Buckets("239.1.1.2");

        Assert.Equal(ReceiverMetrics.LatencyBounds.Length + 1, a.Count);
        Assert.Equal((0, 9, 9, 9), (a["0.0001"], a["0.00025"], a["0.001"], a["+Inf"]));
        Assert.Equal("1e-05", a.Keys.First());
        // Four datagrams at 400 µs (the duplicate not counted), one at 30 ms.
        Assert.Equal((0, 4, 4, 4, 5, 5), (b["0.00025"], b["0.0005"], b["0.025"], b["0.025"], b["0.05"], b["+Inf"]));
        Assert.Equal(4 * 0.0004 + 0.030, exposition.Value("mcast_latency_seconds_sum", "239.1.1.2", "10.0.0.14"), 9);
    }

    [Fact]
    public void Every_joined_group_is_listed_with_its_number_of_sources_so_a_silent_feed_shows()
    {
        var sources = PrometheusExposition.Parse(ReceiverMetrics.Render(State())).Family("mcast_group_sources").ToDictionary(s => s.Label("group"), s => s.Value);

        Assert.Equal(new Dictionary<string, double> { ["239.1.1.1"] = 1, ["239.1.1.2"] = 1, ["239.1.1.3"] = 0 }, sources);
    }

    [Fact]
    public void The_last_datagram_age_grows_between_scrapes_without_a_new_publication()
    {
        var state = State();
        var first = PrometheusExposition.Parse(ReceiverMetrics.Render(state)).Value("mcast_last_datagram_age_seconds", "239.1.1.1", "10.0.0.12");
        Thread.Sleep(50);
        var second = PrometheusExposition.Parse(ReceiverMetrics.Render(state)).Value("mcast_last_datagram_age_seconds", "239.1.1.1", "10.0.0.12");

        // Published at 2.5 s on the receiver's clock, the stream's latest datagram at 1.0 s.
        Assert.InRange(first, 1.5, 1.5 + 60);
        Assert.True(second > first, $"{second} after {first}");
    }

    [Fact]
    public void The_names_follow_the_Prometheus_conventions()
    {
        var exposition = PrometheusExposition.Parse(ReceiverMetrics.Render(State()));

        Assert.Empty(exposition.ConventionViolations("mcast_"));
        Assert.Equal("histogram", exposition.TypeOf["mcast_latency_seconds"]);
        Assert.Equal("gauge", exposition.TypeOf["mcast_lost_datagrams"]);
    }

    [Fact]
    public void The_convention_check_catches_a_counter_without_total_a_millisecond_unit_and_a_broken_histogram()
    {
        var broken = PrometheusExposition.Parse(
            "# HELP mcast_received counted\n# TYPE mcast_received counter\nmcast_received 1\n" +
            "# HELP mcast_jitter_ms jitter\n# TYPE mcast_jitter_ms gauge\nmcast_jitter_ms 1\n" +
            "# HELP mcast_latency_seconds latency\n# TYPE mcast_latency_seconds histogram\nmcast_latency_seconds_bucket{le=\"+Inf\"} 3\nmcast_latency_seconds_sum 1\nmcast_latency_seconds_count 4\n" +
            "other_total 1\n");

        Assert.Equal(
            [
                "mcast_received is a counter: only counters end in _total, and every counter does",
                "mcast_jitter_ms uses the unit ms; use seconds or bytes",
                "mcast_latency_seconds{}: the +Inf bucket 3 is not _count 4",
                "other_total has no TYPE or no HELP line",
            ],
            broken.ConventionViolations("mcast_"));
    }

    [Fact]
    public void Label_values_are_escaped_and_numbers_written_as_Prometheus_reads_them()
    {
        var text = new PrometheusText();
        text.Family("mcast_test", "gauge", "a \\ help\nline");
        text.Sample("mcast_test", [new("name", "a\"b\\c\nd")], 0.25);
        text.Sample("mcast_test", [new("name", "whole")], 3);
        text.Sample("mcast_test", [new("name", "inf")], double.PositiveInfinity);

        Assert.Equal("# HELP mcast_test a \\\\ help\\nline\n# TYPE mcast_test gauge\nmcast_test{name=\"a\\\"b\\\\c\\nd\"} 0.25\nmcast_test{name=\"whole\"} 3\nmcast_test{name=\"inf\"} +Inf\n", text.ToString());
        var parsed = PrometheusExposition.Parse(text.ToString());
        Assert.Equal("a\"b\\c\nd", parsed.Samples[0].Label("name"));
    }

    [Fact]
    public void Before_the_first_publication_the_endpoint_says_it_is_not_up_yet()
    {
        var exposition = PrometheusExposition.Parse(ReceiverMetrics.Render(null));

        Assert.Equal(0, Assert.Single(exposition.Samples).Value);
        Assert.Empty(exposition.ConventionViolations("mcast_"));
    }

    [Fact]
    public void Promtool_accepts_the_exposition()
    {
        var promtool = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, "promtool")).FirstOrDefault(File.Exists);
        Assert.SkipWhen(promtool is null, "promtool (Debian package prometheus) is not installed; it lints the exposition as Prometheus does");
        var start = new ProcessStartInfo(promtool!, ["check", "metrics"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        process.StandardInput.Write(ReceiverMetrics.Render(State()));
        process.StandardInput.Close();
        var said = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.True(process.ExitCode == 0, said);
    }

    [Fact]
    public async Task The_endpoint_answers_GET_and_HEAD_on_metrics_and_refuses_the_rest()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var server = MetricsServer.Start(new IPEndPoint(IPAddress.Loopback, 0), () => "mcast_up 1\n");
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.Endpoint}") };

        using var metrics = await http.GetAsync("/metrics", cancel);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType!.ToString());
        Assert.Equal("mcast_up 1\n", await metrics.Content.ReadAsStringAsync(cancel));
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/metrics?x=1"), cancel);
        Assert.Equal((HttpStatusCode.OK, 11L), (head.StatusCode, head.Content.Headers.ContentLength));
        using var missing = await http.GetAsync("/nothing", cancel);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var post = await http.PostAsync("/metrics", new StringContent("x"), cancel);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", Raw(server.Endpoint, "nonsense\r\n\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_that_never_finishes_its_request_does_not_block_the_next_one()
    {
        using var server = MetricsServer.Start(new IPEndPoint(IPAddress.Loopback, 0), () => "mcast_up 1\n");
        using var stalled = new TcpClient();
        stalled.Connect(server.Endpoint);
        stalled.GetStream().Write("GET /metr"u8);

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", Raw(server.Endpoint, "GET /metrics HTTP/1.0\r\n\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_in_use_is_a_usage_error_that_says_so()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();

        var error = Assert.Throws<UsageException>(() => MetricsServer.Start((IPEndPoint)taken.LocalEndpoint, () => ""));

        Assert.Equal($"cannot serve metrics on {taken.LocalEndpoint}: the port is in use; choose another port.", error.Message);
    }

    private static string Raw(IPEndPoint endpoint, string request)
    {
        using var client = new TcpClient();
        client.Connect(endpoint);
        var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return reader.ReadToEnd();
    }
}

/// <summary>The endpoint scraped with curl while traffic flows, in namespaces shaped like the lab.</summary>
public sealed class MetricsScrapeTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

    private static (string Head, PrometheusExposition Body) Scrape(string ns, string url)
    {
        using var curl = new LabProcess(["ip", "netns", "exec", ns, "curl", "-s", "-S", "-i", "--max-time", "5", url]);
        Assert.True(curl.WaitForExit(RunLimit) == 0, $"curl {url} failed: {curl.Error}");
        var parts = curl.Output.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", 2);
        return (parts[0], PrometheusExposition.Parse(parts[1]));
    }

    [Fact]
    public void A_monitor_serves_moving_counters_while_traffic_flows_and_keeps_running_after_the_senders_end()
    {
        Assert.SkipUnless(NamespaceLab.IsRoot, "the scrape test creates network namespaces and needs root");
        Assert.SkipUnless(File.Exists("/usr/bin/curl"), "the scrape test scrapes with curl (apt-get install curl)");
        NativeMcast.Require();
        using var lab = new NamespaceLab();
        const string url = "http://127.0.0.1:9464/metrics";
        using var monitor = NamespaceLab.Mcast(lab.Pod, "recv", "--group", "239.1.2.1-239.1.2.3%eth1", "--interval", "0", "--metrics", "127.0.0.1:9464");
        Assert.True(monitor.WaitForOutput("mcast recv: joined", Startup), monitor.Error);

        using var sender = NamespaceLab.Mcast(lab.Source, "send", "--group", "239.1.2.1-239.1.2.2", "--interface", "eth1", "--duration", "4", "--rate", "2000pps");
        Assert.True(monitor.WaitForOutput("to group 239.1.2.2", Startup), monitor.Output);
        // The receive loop publishes a few times a second: the first scrape waits for both streams.
        var (head, first) = Scrape(lab.Pod, url);
        for (var attempt = 0; attempt < 20 && first.Family("mcast_received_datagrams_total").Count() < 2; attempt++)
        {
            Thread.Sleep(100);
            (head, first) = Scrape(lab.Pod, url);
        }

        Thread.Sleep(1000);
        var (_, second) = Scrape(lab.Pod, url);

        Assert.StartsWith("HTTP/1.1 200 OK", head, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/plain; version=0.0.4; charset=utf-8", head, StringComparison.Ordinal);
        Assert.Empty(first.ConventionViolations("mcast_"));
        foreach (var group in new[] { "239.1.2.1", "239.1.2.2" })
        {
            var before = first.Value("mcast_received_datagrams_total", group, "10.0.0.12");
            var after = second.Value("mcast_received_datagrams_total", group, "10.0.0.12");
            Assert.True(after > before, $"{group}: {before} then {after}");
            Assert.True(second.Value("mcast_received_bytes_total", group, "10.0.0.12") > first.Value("mcast_received_bytes_total", group, "10.0.0.12"));
            Assert.InRange(second.Value("mcast_last_datagram_age_seconds", group, "10.0.0.12"), 0, 1);
        }

        Assert.Equal(0, Assert.Single(second.Family("mcast_group_sources"), s => s.Label("group") == "239.1.2.3").Value);
        Assert.Equal(0, sender.WaitForExit(RunLimit));

        // The senders' end-of-test datagrams do not end a monitor: it still answers, with the final counts.
        Thread.Sleep(1500);
        var (_, ended) = Scrape(lab.Pod, url);
        // The summary line ("mcast send: N datagrams ..."), after the sender's diagnosis line.
        var summary = sender.Output.Split('\n').Single(l => l.Contains(" datagrams (", StringComparison.Ordinal));
        var sent = long.Parse(summary.Split(' ')[2], CultureInfo.InvariantCulture);
        Assert.Equal(sent, ended.Family("mcast_received_datagrams_total").Sum(s => s.Value));
        Assert.True(ended.Value("mcast_last_datagram_age_seconds", "239.1.2.1", "10.0.0.12") >= 1, "the age keeps growing once the feed stops");
        Assert.Contains("summary", monitor.Output, StringComparison.Ordinal);

        using (var terminate = new LabProcess(["kill", "-TERM", monitor.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            Assert.Equal(0, terminate.WaitForExit(RunLimit));
        }

        Assert.Equal(130, monitor.WaitForExit(RunLimit));
        Assert.Contains("end: 2 stream(s), ok: interrupted", monitor.Output, StringComparison.Ordinal);
        Assert.Contains("silent groups: 1 joined group(s) carried no datagram: 239.1.2.3", monitor.Output, StringComparison.Ordinal);
    }
}
