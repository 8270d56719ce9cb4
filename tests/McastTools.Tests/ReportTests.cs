using System.Net;
using System.Text;
using System.Text.Json;
using McastLab.McastTools.Accounting;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Reports;

namespace McastLab.McastTools.Tests;

/// <summary>The JSON lines contract other tools parse (README "JSON output contract").</summary>
public sealed class ReportTests
{
    private static readonly StreamReport Sample = new(
        "224.0.67.67",
        5001,
        new StreamKey(IPAddress.Parse("10.0.0.12"), 40000),
        1,
        1,
        2,
        new StreamSnapshot { Received = 90, Bytes = 132_300, Lost = 10, OutOfOrder = 2, Duplicates = 1, Invalid = 3, JitterMs = 0.25, Ttl = 5, KernelDrops = 4 });

    private static List<JsonElement> Lines(Action<JsonReport> write)
    {
        using var output = new MemoryStream();
        var report = new JsonReport(output, TextWriter.Null);
        write(report);
        return [.. Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    [Fact]
    public void Interval_and_summary_lines_carry_every_contract_field()
    {
        var lines = Lines(r =>
        {
            r.Interval(Sample);
            r.Summary(Sample);
        });

        Assert.Equal(["interval", "summary"], lines.Select(l => l.GetProperty("event").GetString()));
        foreach (var line in lines)
        {
            Assert.Equal("224.0.67.67", line.GetProperty("group").GetString());
            Assert.Equal(5001, line.GetProperty("port").GetInt32());
            Assert.Equal("10.0.0.12:40000", line.GetProperty("source").GetString());
            Assert.Equal((1.0, 2.0), (line.GetProperty("start").GetDouble(), line.GetProperty("end").GetDouble()));
            Assert.Equal((90, 132_300, 10, 2, 1, 3), (line.GetProperty("received").GetInt64(), line.GetProperty("bytes").GetInt64(), line.GetProperty("lost").GetInt64(), line.GetProperty("outOfOrder").GetInt64(), line.GetProperty("duplicates").GetInt64(), line.GetProperty("invalid").GetInt64()));
            Assert.Equal(0.25, line.GetProperty("jitterMs").GetDouble());
            Assert.Equal(5, line.GetProperty("ttl").GetInt32());
            Assert.Equal(4, line.GetProperty("kernelDrops").GetInt64());
            Assert.Equal(132_300 * 8.0, line.GetProperty("bitsPerSecond").GetDouble());
            Assert.Equal(10.0, line.GetProperty("lossPercent").GetDouble());
            Assert.Equal(JsonValueKind.Null, line.GetProperty("latencyAvgMs").ValueKind);
        }
    }

    [Fact]
    public void The_end_line_says_whether_the_run_passed_and_why()
    {
        var end = Assert.Single(Lines(r => r.End(new ReceiveOutcome(2, false, "expected at least 400 datagrams, received 12", false))));

        Assert.Equal("end", end.GetProperty("event").GetString());
        Assert.Equal(2, end.GetProperty("streams").GetInt32());
        Assert.False(end.GetProperty("ok").GetBoolean());
        Assert.Equal("expected at least 400 datagrams, received 12", end.GetProperty("reason").GetString());
    }

    [Fact]
    public void Exit_codes_follow_the_outcome()
    {
        Assert.Equal(0, new ReceiveOutcome(1, true, "done", false).ExitCode);
        Assert.Equal(1, new ReceiveOutcome(1, false, "lost", false).ExitCode);
        Assert.Equal(130, new ReceiveOutcome(1, true, "interrupted", true).ExitCode);
    }

    [Fact]
    public void The_verdict_checks_expected_packets_and_loss_per_stream()
    {
        var key = new StreamKey(IPAddress.Parse("10.0.0.12"), 40000);
        var lossy = new StreamSnapshot { Received = 999, Lost = 1 };

        Assert.Null(Verdict.Failure([(key, lossy)], 999, 0.1));
        Assert.Contains("lost 0.1%", Verdict.Failure([(key, lossy)], null, 0.05), StringComparison.Ordinal);
        Assert.Equal("expected at least 1000 datagrams, received 999", Verdict.Failure([(key, lossy)], 1000, null));
        Assert.Equal("no datagrams were received", Verdict.Failure([], 0, null));
        Assert.Null(Verdict.Failure([], null, null));
    }

    [Theory]
    [InlineData(0, "0.00 Bytes")]
    [InlineData(1023, "1023 Bytes")]
    [InlineData(131_072, "128 KBytes")]
    [InlineData(660_480, "645 KBytes")]
    [InlineData(14_260_000, "13.6 MBytes")]
    public void Iperf_units_for_bytes(double bytes, string text)
    {
        Assert.Equal(text, IperfUnits.Bytes(bytes));
    }

    [Theory]
    [InlineData(1_050_000, "1.05 Mbits/sec")]
    [InlineData(30_000, "30.0 Kbits/sec")]
    [InlineData(202_000_000, "202 Mbits/sec")]
    public void Iperf_units_for_rates(double bits, string text)
    {
        Assert.Equal(text, IperfUnits.BitsPerSecond(bits));
    }

    private static StreamReport WithLatencies()
    {
        // 100 latencies of 1..100 µs: p50 50 µs, p90 90 µs, p99 99 µs, p99.9 and p99.99 100 µs.
        var histogram = new LatencyHistogram();
        for (var us = 1; us <= 100; us++)
        {
            histogram.Record(us * 1000L);
        }

        return Sample with { Counters = Sample.Counters with { Latency = histogram, LatencyAvgMs = 0.0505, LatencyMaxMs = 0.1, LatencyCount = 100 } };
    }

    [Fact]
    public void Every_format_prints_the_latency_percentiles()
    {
        var report = WithLatencies();
        var json = Lines(r => r.Summary(report))[0];
        Assert.Equal((0.05, 0.09, 0.099, 0.1, 0.1, 0.1), (Math.Round(json.GetProperty("latencyP50Ms").GetDouble(), 3), Math.Round(json.GetProperty("latencyP90Ms").GetDouble(), 3), Math.Round(json.GetProperty("latencyP99Ms").GetDouble(), 3), Math.Round(json.GetProperty("latencyP999Ms").GetDouble(), 3), Math.Round(json.GetProperty("latencyP9999Ms").GetDouble(), 3), json.GetProperty("latencyMaxMs").GetDouble()));

        var text = new StringWriter();
        new TextReport(text).Summary(report);
        Assert.Matches(@"latency avg 50\.500 p50 50\.0\d\d p90 90\.\d{3} p99 99\.\d{3} p99\.9 100\.\d{3} p99\.99 100\.\d{3} max 100\.000 us", text.ToString());

        var iperf = new StringWriter();
        new IperfServerReport(iperf).Summary(report);
        Assert.Contains("(10%) latency p50/p90/p99/p99.9/p99.99/max 0.050/0.090/0.099/0.100/0.100/0.100 ms\n", iperf.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var csv = new StringWriter();
        new CsvReport(csv, TextWriter.Null).Summary(report);
        var cells = csv.ToString().TrimEnd().Split(',');
        var header = CsvReport.Header.Split(',');
        Assert.Equal(header.Length, cells.Length);
        Assert.Equal("0.100000", cells[Array.IndexOf(header, "latencyMaxMs")]);
        Assert.StartsWith("0.099", cells[Array.IndexOf(header, "latencyP99Ms")], StringComparison.Ordinal);
    }
}
