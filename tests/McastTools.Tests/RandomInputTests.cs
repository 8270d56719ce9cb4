using System.Globalization;
using System.Net;
using McastLab.McastTools.Accounting;
using McastLab.McastTools.Cli;
using McastLab.McastTools.Wire;

namespace McastLab.McastTools.Tests;

/// <summary>
/// Property-style checks with random inputs (fixed seeds, so a failure repeats): 3,000 values per command, each
/// either a plan with finite, in-range numbers (and the value given) or a one-line usage error, both outcomes a
/// counted share; random datagrams (0 to 65,507 bytes) from senders one field away from a clean stream leave it
/// as it was, and malformed or replayed ones on its own address and port count only as invalid or duplicates.
/// </summary>
public sealed class RandomInputTests
{
    private static readonly string[] Specials =
    [
        "NaN", "-NaN", "Infinity", "-Infinity", "∞", "1e308", "1e309", "-1e309", "4.9e-324", "-0", "0", "1", "-1",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e-9", "0x10", "1_000", "", " ", "1,5", "5s",
        "65535", "65536", "255", "256", "20", "19", "65507", "65508", "0.001", "0.0009", "86400", "86401", "100", "100.0001",
    ];

    private static string RandomValue(Random random) => random.Next(5) switch
    {
        0 => Specials[random.Next(Specials.Length)],
        // Whole numbers of every magnitude up to 2^24, a few negative: most options' valid ranges and their edges.
        4 => random.NextInt64(-16, 1L << random.Next(1, 25)).ToString(CultureInfo.InvariantCulture),
        1 => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
        2 => (random.NextDouble() * Math.Pow(10, random.Next(-12, 14)) * (random.Next(2) == 0 ? 1 : -1)).ToString("R", CultureInfo.InvariantCulture),
        _ => RandomText(random) + (random.Next(3) == 0 ? new[] { "k", "M", "G", "pps", "g" }[random.Next(5)] : ""),
    };

    private static string RandomText(Random random) =>
        new([.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => "0123456789.eE+-kKmMgGpsNaIfy "[random.Next(29)])]);

    /// <summary>3,000 random values per command, fixed seeds: how many produced a plan, per option.</summary>
    private const int Runs = 3000;

    /// <summary>
    /// Feeds <see cref="Runs"/> random values to the options of one command; <paramref name="plan"/> builds the
    /// plan and checks it (or throws a usage error). Asserts every usage error is one line, and that both
    /// outcomes are a real share for every option, so the loop is not only testing the error path.
    /// </summary>
    private static void Fuzz(int seed, string[] options, Action<string, string> plan)
    {
        var random = new Random(seed);
        var tally = options.ToDictionary(o => o, _ => (Valid: 0, Refused: 0));
        for (var run = 0; run < Runs; run++)
        {
            var option = options[random.Next(options.Length)];
            var value = RandomValue(random);
            try
            {
                plan(option, value);
                tally[option] = (tally[option].Valid + 1, tally[option].Refused);
            }
            catch (UsageException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                tally[option] = (tally[option].Valid, tally[option].Refused + 1);
            }
        }

        var report = string.Join(", ", tally.Select(t => $"{t.Key} {t.Value.Valid} valid/{t.Value.Refused} refused"));
        Assert.Equal(Runs, tally.Values.Sum(t => t.Valid + t.Refused));
        // Measured with these seeds: 21-27 % of the values make a plan, at least 44 per option.
        Assert.True(tally.Values.Sum(t => t.Valid) >= Runs * 15 / 100, $"too few random values made a plan: {report}");
        Assert.All(tally, t => Assert.True(t.Value.Valid >= 30 && t.Value.Refused >= 30, $"{t.Key} needs both outcomes: {report}"));
    }

    private static double ParsedNumber(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    [Fact]
    public void Random_values_of_every_numeric_send_option_give_a_sane_plan_or_a_usage_error()
    {
        Fuzz(1301, ["port", "ttl", "rate", "length", "duration", "count", "tos"], (option, value) =>
        {
            var args = new List<string> { "--group", "224.0.67.67", "--" + option, value };
            var plan = SendCommand.Plan(ParsedOptions.Parse("send", SendCommand.Options, args));
            var what = string.Join(' ', args);
            Assert.InRange(plan.Endpoint.Port, 1, 65535);
            Assert.InRange(plan.Endpoint.Ttl, 0, 255);
            Assert.InRange(plan.Length, DatagramTemplate.MinimumLength, DatagramTemplate.MaximumLength);
            Assert.True(double.IsFinite(plan.Rate.BitsPerSecond) && plan.Rate.BitsPerSecond >= 0, $"{what}: rate {plan.Rate}");
            Assert.True(double.IsFinite(plan.Rate.PacketsPerSecond) && plan.Rate.PacketsPerSecond >= 0, $"{what}: rate {plan.Rate}");
            Assert.True(plan.DurationSeconds is null or (> 0 and <= 1e9), $"{what}: duration {plan.DurationSeconds}");
            Assert.True(plan.Count is null or > 0, $"{what}: count {plan.Count}");
            // The value given is the value used.
            switch (option)
            {
                case "port": Assert.Equal(ParsedNumber(value), plan.Endpoint.Port); break;
                case "ttl": Assert.Equal(ParsedNumber(value), plan.Endpoint.Ttl); break;
                case "length": Assert.Equal(ParsedNumber(value), plan.Length); break;
                case "count": Assert.Equal(ParsedNumber(value), plan.Count!.Value); break;
                case "tos": Assert.Equal(ParsedNumber(value), plan.Endpoint.Tos!.Value); break;
                case "duration": Assert.Equal(ParsedNumber(value), plan.DurationSeconds); break;
            }
        });
    }

    [Fact]
    public void Random_values_of_every_numeric_recv_option_give_a_sane_plan_or_a_usage_error()
    {
        Fuzz(1302, ["port", "interval", "duration", "idle-timeout", "expect-packets", "max-loss"], (option, value) =>
        {
            var (plan, _) = RecvCommand.Plan(ParsedOptions.Parse("recv", RecvCommand.Options, ["--group", "224.0.67.67", "--" + option, value]));
            AssertSane(plan.IntervalSeconds, plan.DurationSeconds, plan.IdleTimeoutSeconds, plan.MaxLossPercent, plan.Endpoint.Port);
            Assert.True(plan.ExpectPackets is null or >= 0);
            switch (option)
            {
                case "interval": Assert.Equal(ParsedNumber(value), plan.IntervalSeconds); break;
                case "idle-timeout": Assert.Equal(ParsedNumber(value), plan.IdleTimeoutSeconds); break;
                case "max-loss": Assert.Equal(ParsedNumber(value), plan.MaxLossPercent); break;
                case "expect-packets": Assert.Equal(ParsedNumber(value), plan.ExpectPackets!.Value); break;
            }
        });
    }

    [Fact]
    public void Random_values_of_every_numeric_iperf_option_give_a_sane_plan_or_a_usage_error()
    {
        var side = new Random(1304);
        Fuzz(1303, ["-p", "-i", "-t", "-l", "-b", "-T"], (flag, value) =>
        {
            // -p, -i and -t mean something to both sides; the others only to the client.
            if (flag is "-p" or "-i" or "-t" && side.Next(2) == 0)
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
                Assert.True(plan.DurationSeconds is > 0 and <= 1e9, $"{flag} {value}: duration {plan.DurationSeconds}");
            }
        });
    }

    [Fact]
    public void Random_values_of_every_numeric_pong_option_give_a_sane_plan_or_a_usage_error()
    {
        Fuzz(1305, ["port", "duration", "idle-timeout"], (option, value) =>
        {
            var plan = PongCommand.Plan(ParsedOptions.Parse("pong", PongCommand.Options, ["--group", "224.0.67.67", "--" + option, value]));
            AssertSane(plan.IntervalSeconds, plan.DurationSeconds, plan.IdleTimeoutSeconds, plan.MaxLossPercent, plan.Endpoint.Port);
        });
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
    public void Random_datagrams_from_near_miss_senders_leave_a_clean_stream_as_it_was()
    {
        var random = new Random(1306);
        var clean = new StreamKey(IPAddress.Parse("10.0.0.12"), 40000);
        const int ids = 2000;

        var alone = new StreamTable();
        var mixed = new StreamTable();
        var recorded = new Dictionary<StreamKey, (int Datagrams, int EndOfTest)>();
        var noise = new byte[DatagramTemplate.MaximumLength];
        for (var id = 1L; id <= ids; id++)
        {
            var datagram = Clean(id);
            alone.For(clean).Record(datagram, id * 0.001, Arrival(id), 5);
            mixed.For(clean).Record(datagram, id * 0.001, Arrival(id), 5);

            // Between every two clean datagrams, a few random ones (0 to 65,507 bytes, random bytes or a
            // valid-looking header with a random id) from senders one field away: the clean stream's address
            // with another port, its port from another address, or both near it.
            for (var k = random.Next(4); k > 0; k--)
            {
                var length = RandomNoise(random, noise);
                var source = random.Next(3) switch
                {
                    0 => clean with { Port = NearPort(random, clean.Port) },
                    1 => clean with { Address = NearAddress(random, clean.Address) },
                    _ => new StreamKey(NearAddress(random, clean.Address), NearPort(random, clean.Port)),
                };
                mixed.For(source).Record(noise.AsSpan(0, length), id * 0.001, random.NextInt64(), random.Next(2) == 0 ? null : random.Next(256));
                var kind = IperfHeader.TryRead(noise.AsSpan(0, length), out _);
                var (datagrams, ends) = recorded.GetValueOrDefault(source);
                recorded[source] = (datagrams + 1, ends + (kind == DatagramKind.EndOfTest ? 1 : 0));
            }
        }

        var expected = alone[clean].Snapshot(0);
        Assert.Equal((ids, 0L, 0L, 0L, 0L), (expected.Received, expected.Lost, expected.OutOfOrder, expected.Duplicates, expected.Invalid));
        AssertSameCounts(expected, mixed[clean].Snapshot(0));
        Assert.True(recorded.Count > 1000, $"only {recorded.Count} noise streams");
        Assert.Equal(recorded.Count + 1, mixed.Count);
        // Every noise datagram is accounted for on its own stream: received, a duplicate, invalid, or an end of test.
        Assert.All(recorded, r =>
        {
            var s = mixed[r.Key].Snapshot(0);
            Assert.Equal(r.Value.Datagrams - r.Value.EndOfTest, s.Received + s.Duplicates + s.Invalid);
        });
    }

    [Fact]
    public void Malformed_and_replayed_datagrams_on_the_clean_stream_itself_count_only_as_invalid_and_duplicates()
    {
        var random = new Random(1307);
        var clean = new StreamKey(IPAddress.Parse("10.0.0.12"), 40000);
        const int ids = 2000;
        var alone = new StreamTable();
        var spoofed = new StreamTable();
        var noise = new byte[DatagramTemplate.MaximumLength];
        var (invalid, replayed) = (0L, 0L);
        for (var id = 1L; id <= ids; id++)
        {
            alone.For(clean).Record(Clean(id), id * 0.001, Arrival(id), 5);
            spoofed.For(clean).Record(Clean(id), id * 0.001, Arrival(id), 5);
            for (var k = random.Next(3); k > 0; k--)
            {
                // On the clean stream's own address and port: datagrams a receiver must refuse (too short for a
                // header, id 0, or microseconds out of range), and replays of ids it already has.
                var length = RandomNoise(random, noise);
                switch (random.Next(4))
                {
                    case 0:
                        length = random.Next(0, IperfHeader.Size);
                        break;
                    case 1:
                        length = Math.Max(length, IperfHeader.Size);
                        new IperfHeader(0, (uint)random.Next(), (uint)random.Next(1_000_000)).Write(noise);
                        break;
                    case 2:
                        length = Math.Max(length, IperfHeader.Size);
                        new IperfHeader(random.NextInt64(1, id + 1), (uint)random.Next(), (uint)random.Next(1_000_000, int.MaxValue)).Write(noise);
                        break;
                    default:
                        var old = random.NextInt64(1, id + 1);
                        spoofed.For(clean).Record(Clean(old), id * 0.001, Arrival(old), 5);
                        replayed++;
                        continue;
                }

                spoofed.For(clean).Record(noise.AsSpan(0, length), id * 0.001, random.NextInt64(), random.Next(256));
                invalid++;
            }
        }

        var expected = alone[clean].Snapshot(0);
        var actual = spoofed[clean].Snapshot(0);
        Assert.True(invalid > 500 && replayed > 200, $"{invalid} invalid, {replayed} replayed");
        Assert.Equal((invalid, replayed), (actual.Invalid, actual.Duplicates));
        AssertSameCounts(expected with { Invalid = invalid, Duplicates = replayed }, actual);
    }

    private static byte[] Clean(long id)
    {
        var datagram = DatagramTemplate.Create(1470);
        new IperfHeader(id, 1_700_000_000, (uint)(id % 1_000_000)).Write(datagram);
        return datagram;
    }

    /// <summary>Arrives 1 ms after it was sent, in ns since the epoch.</summary>
    private static long Arrival(long id) => ((1_700_000_000_000_000 + (id % 1_000_000)) * 1000) + 1_000_000;

    /// <summary>Fills the buffer with 0 to 65,507 random bytes, half the time starting with a valid-looking header; returns the length.</summary>
    private static int RandomNoise(Random random, byte[] noise)
    {
        var length = random.Next(8) == 0 ? random.Next(0, 17) : random.Next(0, DatagramTemplate.MaximumLength + 1);
        random.NextBytes(noise.AsSpan(0, length));
        if (length >= IperfHeader.Size && random.Next(2) == 0)
        {
            new IperfHeader(random.NextInt64(long.MinValue, long.MaxValue), (uint)random.Next(), (uint)random.Next(1_000_000)).Write(noise);
        }

        return length;
    }

    private static int NearPort(Random random, int port) => random.Next(2) == 0 ? port ^ (1 << random.Next(16)) : random.Next(1, 65536) is var p && p != port ? p : port + 1;

    /// <summary>An address that differs from <paramref name="address"/> in one random bit.</summary>
    private static IPAddress NearAddress(Random random, IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var bit = random.Next(bytes.Length * 8);
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return new IPAddress(bytes);
    }

    /// <summary>Every counter and the latency distribution: the records compare histograms by reference.</summary>
    private static void AssertSameCounts(StreamSnapshot expected, StreamSnapshot actual)
    {
        Assert.Equal(expected with { Latency = null }, actual with { Latency = null });
        Assert.Equal(expected.Latency!.Buckets(), actual.Latency!.Buckets());
    }
}
