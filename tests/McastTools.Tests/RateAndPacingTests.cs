using McastLab.McastTools.Cli;
using McastLab.McastTools.Send;

namespace McastLab.McastTools.Tests;

public sealed class RateAndPacingTests
{
    [Theory]
    [InlineData("1M", 1_048_576)]
    [InlineData("1m", 1_000_000)]
    [InlineData("10k", 10_000)]
    [InlineData("10K", 10_240)]
    [InlineData("2g", 2e9)]
    [InlineData("1G", 1_073_741_824)]
    [InlineData("1.5M", 1_572_864)]
    [InlineData("64000", 64_000)]
    public void Rates_use_iperf_suffixes(string text, double bits)
    {
        Assert.Equal(bits, Rate.Parse(text, message => new UsageException(message)).BitsPerSecond);
    }

    [Fact]
    public void Packets_per_second_are_taken_as_given()
    {
        var rate = Rate.Parse("5000pps", message => new UsageException(message));

        Assert.Equal(5000, rate.PacketsPerSecondFor(1470));
        Assert.Equal(0, rate.BitsPerSecond);
    }

    [Fact]
    public void Bit_rates_become_datagram_rates_from_the_payload_length()
    {
        Assert.Equal(1_048_576 / (1470 * 8.0), Rate.Parse("1M", message => new UsageException(message)).PacketsPerSecondFor(1470), 9);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("-1M")]
    [InlineData("M")]
    [InlineData("pps")]
    public void Nonsense_rates_are_usage_errors(string text)
    {
        Assert.Throws<UsageException>(() => Rate.Parse(text, message => new UsageException(message)));
    }

    [Fact]
    public void Zero_means_unlimited()
    {
        Assert.True(Rate.Parse("0", message => new UsageException(message)).Unlimited);
        Assert.True(new Pacer(0).Unlimited);
    }

    [Fact]
    public void The_pacer_schedules_on_an_absolute_timeline()
    {
        var pacer = new Pacer(100);

        Assert.Equal(1, pacer.DueBy(0));
        Assert.Equal(1, pacer.DueBy(0.0099));
        Assert.Equal(2, pacer.DueBy(0.01));
        Assert.Equal(101, pacer.DueBy(1.0));
        // Waking late does not lose packets: all overdue ones are due at once.
        Assert.Equal(51, pacer.DueBy(0.5));
        Assert.Equal(0.25, pacer.DueAt(25), 9);
    }
}
