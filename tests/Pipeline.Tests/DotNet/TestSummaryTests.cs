using McastLab.Pipeline.Core;
using McastLab.Pipeline.DotNet;

namespace McastLab.Pipeline.Tests.DotNet;

public sealed class TestSummaryTests
{
    [Fact]
    public void Counts_outcomes_and_keeps_the_reason_of_each_skipped_test()
    {
        using var directory = new TemporaryDirectory();
        directory.File("a/one.trx", """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testName="A.passes" outcome="Passed" />
                <UnitTestResult testName="A.fails" outcome="Failed" />
                <UnitTestResult testName="A.needs_root" outcome="NotExecuted"><Output><StdOut /><ErrorInfo><Message>needs root</Message></ErrorInfo></Output></UnitTestResult>
              </Results>
            </TestRun>
            """);
        directory.File("b/two.trx", """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results><UnitTestResult testName="B.passes" outcome="Passed" /></Results>
            </TestRun>
            """);

        var summary = TestSummary.Read(directory.Path);

        Assert.Equal(2, summary.Passed);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(("A.needs_root", "needs root"), Assert.Single(summary.Skipped));
    }

    [Fact]
    public void No_results_directory_counts_nothing() =>
        Assert.Equal(0, TestSummary.Read("/nonexistent-mcastlab-results").Passed);

    private static readonly TestSummary WithOneSkip = new(5, 0, [("A.needs_iperf", "interop tests need iperf 2.1.8 (apt-get install iperf)")]);

    [Fact]
    public void Under_CI_a_skipped_test_fails_the_run_naming_it_and_its_reason()
    {
        var failure = WithOneSkip.Failure(exitCode: 0, skipsFail: true);
        Assert.Equal("1 test(s) skipped under CI=true, where every prerequisite is installed: A.needs_iperf (interop tests need iperf 2.1.8 (apt-get install iperf)); declare what they name on the Test target in build/build.cake, whose Prerequisites step installs it", failure);
    }

    [Fact]
    public void Under_CI_failures_and_skips_are_both_named()
    {
        var failure = new TestSummary(5, 1, WithOneSkip.Skipped).Failure(exitCode: 1, skipsFail: true);
        Assert.StartsWith("1 test(s) failed (dotnet test exit code 1); and 1 test(s) skipped under CI=true", failure, StringComparison.Ordinal);
        Assert.Contains("A.needs_iperf (interop tests need iperf 2.1.8", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_CI_a_skip_is_only_a_warning() =>
        Assert.Null(WithOneSkip.Failure(exitCode: 0, skipsFail: false));

    [Theory]
    [InlineData(1, 0, 5, "0 test(s) failed (dotnet test exit code 1)")]
    [InlineData(0, 2, 5, "2 test(s) failed (dotnet test exit code 0)")]
    [InlineData(0, 0, 0, "No test ran; check that the test projects are in McastLab.sln")]
    public void Failures_and_empty_runs_fail_everywhere(int exitCode, int failed, int passed, string expected) =>
        Assert.Equal(expected, new TestSummary(passed, failed, []).Failure(exitCode, skipsFail: false));

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData(null, false)]
    public void CI_is_recognised_from_the_CI_variable(string? value, bool expected) =>
        Assert.Equal(expected, ContinuousIntegration.IsRunning(name => name == "CI" ? value : null));
}
