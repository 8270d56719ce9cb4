using McastLab.Pipeline.Lab.Local;

namespace McastLab.Pipeline.Tests.Lab.Local;

/// <summary>The lab's own breakdown, which benchmarks/lab-scale.sh reads from the diagnostic log.</summary>
public sealed class LabTimingsTests
{
    [Fact]
    public async Task Phases_keep_their_order_and_operations_add_up_per_kind_even_when_they_fail()
    {
        var timings = new LabTimings();
        timings.Phase("hosts", TimeSpan.FromSeconds(1.25));
        timings.Phase("pods", TimeSpan.FromSeconds(0.5));
        await timings.TimeAsync("docker start", () => Task.Delay(30, TestContext.Current.CancellationToken));
        await timings.TimeAsync("docker start", () => Task.Delay(60, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<InvalidOperationException>(() => timings.TimeAsync("cni ADD bridge", () => Task.FromException(new InvalidOperationException())));

        var line = timings.Describe();

        Assert.StartsWith($"{LabTimings.Prefix} hosts 1.25 s, pods 0.50 s; operations: docker start 2x sum ", line, StringComparison.Ordinal);
        Assert.Contains(", cni ADD bridge 1x sum ", line, StringComparison.Ordinal);
        var docker = line[line.IndexOf("docker start 2x sum ", StringComparison.Ordinal)..].Split(' ');
        var (sum, max) = (double.Parse(docker[4], System.Globalization.CultureInfo.InvariantCulture), double.Parse(docker[7], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(max, 0.05, sum - 0.02);
    }
}
