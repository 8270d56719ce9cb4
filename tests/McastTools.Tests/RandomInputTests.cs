using System.Globalization;
using System.Net;
using McastLab.McastTools.Accounting;
using McastLab.McastTools.Cli;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Tests;

/// <summary>
/// Property-style checks with random inputs (fixed seeds, so a failure repeats): every numeric option value
/// either yields a plan with finite, in-range numbers or stops with a usage error, before any socket opens;
/// random datagrams (0 to 65,507 bytes) from other senders never throw and leave a clean stream's counts as they were.
/// </summary>
public sealed class RandomInputTests
{
    private static readonly string[] Specials =
    [
        "NaN", "-NaN", "Infinity", "-Infinity", "∞", "1e308", "1e309", "-1e309", "4.9e-324", "-0", "0", "1", "-1",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e-9", "0x10", "1_000", "", " ", "1,5", "5s",
        "65535", "65536", "255", "256", "20", "19", "65507", "65508", "0.001", "0.0009", "86400", "86401", "100", "100.0001",
    ];

    private static string RandomValue(Random random) => random.Next(4) switch
    {
        0 => Specials[random.Next(Specials.Length)],
        1 => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
        2 => (random.NextDouble() * Math.Pow(10, random.Next(-12, 14)) * (random.Next(2) == 0 ? 1 : -1)).ToString("R", CultureInfo.InvariantCulture),
        _ => RandomText(random) + (random.Next(3) == 0 ? new[] { "k", "M", "G", "pps", "g" }[random.Next(5)] : ""),
    };

    private static string RandomText(Random random) =>
        new([.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => "0123456789.eE+-kKmMgGpsNaIfy "[random.Next(29)])]);

    [Fact]
    public void Random_values_of_every_numeric_send_option_give_a_sane_plan_or_a_usage_error()
    {
        var random = new Random(1301);
        string[] numeric = ["port", "ttl", "rate", "length", "duration", "count", "tos"];
        for (var run = 0; run < 3000; run++)
        {
            var name = numeric[random.Next(numeric.Length)];
            if (name == "count" && random.Next(2) == 0) name = "duration";
            var args = new List<string> { "--group", "224.0.67.67", "--" + name, RandomValue(random) };
            try
            {
                var plan = SendCommand.Plan(ParsedOptions.Parse("send", SendCommand.Options, args));
                Assert.InRange(plan.Endpoint.Port, 1, 65535);
                Assert.InRange(plan.Endpoint.Ttl, 0, 255);
                Assert.InRange(plan.Length, DatagramTemplate.MinimumLength, DatagramTemplate.MaximumLength);
                Assert.True(double.IsFinite(plan.Rate.BitsPerSecond) && plan.Rate.BitsPerSecond >= 0, $"{string.Join(' ', args)}: rate {plan.Rate}");
                Assert.True(double.IsFinite(plan.Rate.PacketsPerSecond) && plan.Rate.PacketsPerSecond >= 0, $"{string.Join(' ', args)}: rate {plan.Rate}");
                Assert.True(plan.DurationSeconds is null or (> 0 and <= 1e9), $"{string.Join(' ', args)}: duration {plan.DurationSeconds}");
                Assert.True(plan.Count is null or > 0, $"{string.Join(' ', args)}: count {plan.Count}");
            }
            catch (UsageException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }

    [Fact]
    public void Random_values_of_every_numeric_recv_and_iperf_option_give_a_sane_plan_or_a_usage_error()
    {
        var random = new Random(1302);
        string[] recv = ["port", "interval", "duration", "idle-timeout", "expect-packets", "max-loss"];
        string[] iperf = ["-p", "-i", "-t", "-l", "-b", "-T"];
        for (var run = 0; run < 3000; run++)
        {
            var value = RandomValue(random);
            try
            {
                if (run % 2 == 0)
                {
                    var (plan, _) = RecvCommand.Plan(ParsedOptions.Parse("recv", RecvCommand.Options, ["--group", "224.0.67.67", "--" + recv[random.Next(recv.Length)], value]));
                    AssertSane(plan.IntervalSeconds, plan.DurationSeconds, plan.IdleTimeoutSeconds, plan.MaxLossPercent, plan.Endpoint.Port);
                    Assert.True(plan.ExpectPackets is null or >= 0);
                }
                else
                {
                    var flag = iperf[random.Next(iperf.Length)];
                    var server = flag is "-p" or "-i" or "-t" && random.Next(2) == 0;
                    if (server)
                    {
                        var plan = IperfCommand.ServerPlan(IperfGetopt.Parse(IperfCommand.Options, ["-s", "-u", "-B", "224.0.67.67", flag, value]));
                        AssertSane(plan.IntervalSeconds, plan.DurationSeconds, null, null, plan.Endpoint.Port);
                    }
                    else
                    {
                        var plan = IperfCommand.ClientPlan(IperfGetopt.Parse(IperfCommand.Options, ["-c", "224.0.67.67", "-u", flag, value]));
                        Assert.True(double.IsFinite(plan.Rate.PacketsPerSecondFor(plan.Length)) && plan.Rate.PacketsPerSecondFor(plan.Length) >= 0);
                        Assert.InRange(plan.Endpoint.Ttl, 0, 255);
                        Assert.InRange(plan.Length, DatagramTemplate.MinimumLength, DatagramTemplate.MaximumLength);
                    }
                }
            }
            catch (UsageException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }

    private static void AssertSane(double interval, double? duration, double? idle, double? maxLoss, int port)
    {
        Assert.True(interval == 0 || interval is >= ParsedOptions.MinimumInterval and <= 86_400, $"interval {interval}");
        Assert.True(duration is null or (> 0 and <= 1e9), $"duration {duration}");
        Assert.True(idle is null or (> 0 and <= 1e9), $"idle {idle}");
        Assert.True(maxLoss is null or (>= 0 and <= 100), $"max-loss {maxLoss}");
        Assert.InRange(port, 1, 65535);
    }

    [Fact]
    public void Random_datagrams_from_other_senders_leave_a_clean_stream_as_it_was()
    {
        var random = new Random(1303);
        var clean = new StreamKey(IPAddress.Parse("10.0.0.12"), 40000);
        const int ids = 2000;

        var alone = new StreamTable();
        var mixed = new StreamTable();
        var noise = new byte[DatagramTemplate.MaximumLength];
        for (var id = 1L; id <= ids; id++)
        {
            var datagram = DatagramTemplate.Create(1470);
            new IperfHeader(id, 1_700_000_000, (uint)(id % 1_000_000)).Write(datagram);
            alone.For(clean).Record(datagram, id * 0.001, 1_700_000_000_000_000 + id, 5);
            mixed.For(clean).Record(datagram, id * 0.001, 1_700_000_000_000_000 + id, 5);

            // Between every two clean datagrams, a few random ones: any length from 0 to 65,507 bytes, random
            // bytes or a valid-looking header with a random id, from random other senders (or a spoofed port).
            for (var k = random.Next(4); k > 0; k--)
            {
                var length = random.Next(8) == 0 ? random.Next(0, 17) : random.Next(0, DatagramTemplate.MaximumLength + 1);
                random.NextBytes(noise.AsSpan(0, length));
                if (length >= 16 && random.Next(2) == 0)
                {
                    new IperfHeader(random.NextInt64(long.MinValue, long.MaxValue), (uint)random.Next(), (uint)random.Next()).Write(noise);
                }

                var source = new StreamKey(new IPAddress(random.Next(1, 4)), random.Next(2) == 0 ? 40000 : random.Next(1, 65536));
                mixed.For(source).Record(noise.AsSpan(0, length), id * 0.001, random.NextInt64(), random.Next(2) == 0 ? null : random.Next(256));
            }
        }

        var expected = alone[clean].Snapshot(0);
        Assert.Equal((ids, 0L, 0L, 0L, 0L), (expected.Received, expected.Lost, expected.OutOfOrder, expected.Duplicates, expected.Invalid));
        Assert.Equal(expected, mixed[clean].Snapshot(0));
        Assert.True(mixed.Count > 1);
        Assert.All(mixed.Keys, key => Assert.True(mixed[key].Snapshot(0).Received >= 0));
    }
}
