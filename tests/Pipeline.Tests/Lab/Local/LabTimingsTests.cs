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

        var lines = timings.Describe();

        Assert.Equal($"{LabTimings.Prefix} hosts 1.25 s, pods 0.50 s.", lines[0]);
        Assert.StartsWith($"{LabTimings.Prefix} docker start 2x sum ", lines[1], StringComparison.Ordinal);
        Assert.StartsWith($"{LabTimings.Prefix} cni ADD bridge 1x sum ", lines[2], StringComparison.Ordinal);
        var docker = lines[1][lines[1].IndexOf("docker start 2x sum ", StringComparison.Ordinal)..].Split(' ');
        var (sum, max) = (double.Parse(docker[4], System.Globalization.CultureInfo.InvariantCulture), double.Parse(docker[7], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(max, 0.05, sum - 0.02);
    }

    [Fact]
    public void Many_phases_wrap_onto_lines_a_terminal_shows_whole_and_keep_their_order()
    {
        var timings = new LabTimings();
        var names = Enumerable.Range(1, 30).Select(i => $"phase number {i}").ToList();
        foreach (var name in names) timings.Phase(name, TimeSpan.FromSeconds(1));

        var lines = timings.Describe();

        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.InRange(l.Length, LabTimings.Prefix.Length + 1, LabTimings.LineWidth));
        Assert.All(lines, l => Assert.StartsWith(LabTimings.Prefix + " ", l, StringComparison.Ordinal));
        var phases = lines.SelectMany(l => l[LabTimings.Prefix.Length..].TrimEnd(',', '.').Split(',', StringSplitOptions.TrimEntries));
        Assert.Equal(names.Select(n => $"{n} 1.00 s"), phases);
    }
}
