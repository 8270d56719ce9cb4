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
}
