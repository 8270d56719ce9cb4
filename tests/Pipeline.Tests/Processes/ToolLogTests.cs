using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Processes;

/// <summary>
/// The quiet build log of long tools: a fake program for the runner, and real tool output captured here
/// (TestData: debootstrap of the base image in `./build.sh Lab`, `apt-get install -y -q --no-install-recommends
/// chromium` and `apt-get update -q` on Debian 12).
/// </summary>
public sealed class ToolLogTests : IDisposable
{
    private readonly TemporaryDirectory directory = new();
    private readonly CapturingLog log = new();

    private static string[] Capture(string name) =>
        File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests/Pipeline.Tests/Processes/TestData", name));

    private ProcessRunner Runner => new(log, new SecretMasker(), new ProgramLocator(directory.Path));

    [Fact]
    public async Task A_tools_output_goes_to_its_file_and_the_verbose_level_and_the_build_log_gets_one_line_per_phase()
    {
        directory.Program("debootstrap", string.Join("\n", Capture("debootstrap-bookworm.txt").Select(l => $"echo '{l.Replace("'", "'\\''", StringComparison.Ordinal)}'")));
        var file = Path.Combine(directory.Path, "logs", "BaseImage.log");

        using (var output = new ToolLog(log, file, "debootstrap", PhaseSteps.Debootstrap()))
        {
            await Runner.RunAsync("debootstrap", [], new ProcessOptions { Output = output }, TestContext.Current.CancellationToken);
        }

        var captured = Capture("debootstrap-bookworm.txt");
        var information = log.At("information").ToList();
        Assert.InRange(information.Count, 8, 20);
        Assert.All(information, l => Assert.StartsWith("  debootstrap: I: ", l, StringComparison.Ordinal));
        Assert.Equal("  debootstrap: I: Retrieving InRelease", information[0]);
        Assert.Equal("  debootstrap: I: Base system installed successfully.", information[^1]);
        Assert.Equal(captured, log.At("verbose").Where(l => !l.StartsWith("> ", StringComparison.Ordinal)));
        Assert.Equal(captured, File.ReadAllLines(file).Skip(1));
    }

    [Fact]
    public async Task A_failing_tool_replays_every_line_before_the_failure()
    {
        directory.Program("apt-get", "echo 'Reading package lists...'; echo 'E: Unable to locate package chromiumm' >&2; exit 100");

        using var output = new ToolLog(log, null, "apt-get install", PhaseSteps.Apt());
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() =>
            Runner.RunAsync("apt-get", ["install", "chromiumm"], new ProcessOptions { Output = output }, TestContext.Current.CancellationToken));

        Assert.Contains("exit code 100", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install failed; its output (2 lines):", log.At("error"));
        Assert.Contains("  | E: Unable to locate package chromiumm", log.At("information"));
        Assert.Contains("  | Reading package lists...", log.At("information"));
    }

    [Fact]
    public void Without_a_failure_nothing_but_the_step_lines_reaches_the_build_log()
    {
        using var output = new ToolLog(log, null, "apt-get install", PhaseSteps.Apt());

        foreach (var line in Capture("apt-get-install-chromium.txt")) output.Line(line);

        var information = log.At("information").ToList();
        Assert.InRange(information.Count, 4, 12);
        Assert.Contains(information, l => l.StartsWith("  apt-get install: Get:", StringComparison.Ordinal));
        Assert.Contains(information, l => l.StartsWith("  apt-get install: Unpacking ", StringComparison.Ordinal) || l.StartsWith("  apt-get install: Selecting ", StringComparison.Ordinal));
        Assert.Contains(information, l => l.StartsWith("  apt-get install: Setting up ", StringComparison.Ordinal));
        Assert.Empty(log.At("error"));
    }

    [Fact]
    public void A_targets_file_starts_empty_once_per_build_and_then_collects_each_tool_run()
    {
        var file = directory.File("logs/Images.log", "a previous build's output\n");

        using (var first = new ToolLog(log, file, "docker build a")) first.Line("one");
        using (var second = new ToolLog(log, file, "docker build b")) second.Line("two");

        var lines = File.ReadAllLines(file);
        Assert.DoesNotContain("a previous build's output", lines);
        Assert.Equal(["one", "two"], lines.Where(l => !l.StartsWith("== ", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.StartsWith("== docker build ", StringComparison.Ordinal)));
    }

    public void Dispose() => directory.Dispose();
}
