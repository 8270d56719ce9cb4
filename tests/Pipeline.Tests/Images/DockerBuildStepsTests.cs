using McastLab.Pipeline.Images;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// The step lines of real build streams (TestData/docker-build-*.txt: the engine's stream lines of
/// `./build.sh Lab` builds on Docker 20.10; "cold" after a new base image, "warm" with nothing changed).
/// </summary>
public sealed class DockerBuildStepsTests
{
    private static (List<string> Shown, DockerBuildSteps Steps) Feed(string capture)
    {
        var steps = new DockerBuildSteps();
        var shown = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "tests/Pipeline.Tests/Images/TestData", capture))
            .Select(steps.Step).OfType<string>().ToList();
        return (shown, steps);
    }

    [Fact]
    public void A_cold_build_shows_one_line_per_step_the_engine_ran_and_none_of_its_output()
    {
        var (shown, steps) = Feed("docker-build-iperf-cold.txt");

        Assert.Equal(Enumerable.Range(3, 11).Select(i => $"step {i}/13:"), shown.Select(s => s.Split(' ')[0] + " " + s.Split(' ')[1]));
        Assert.StartsWith("step 4/13: RUN apt-get update", shown[1], StringComparison.Ordinal);
        Assert.All(shown, s => Assert.True(s.Length <= 110, s));
        Assert.Equal("11 of 11 steps rebuilt", steps.Summary);
    }

    [Fact]
    public void A_copy_step_without_output_is_shown_when_it_was_not_cached()
    {
        var (shown, _) = Feed("docker-build-mcast-cold.txt");

        Assert.Contains(shown, s => s.Contains(": COPY ", StringComparison.Ordinal));
        Assert.DoesNotContain(shown, s => s.Contains(": FROM ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_warm_build_shows_no_step_at_all()
    {
        var (shown, steps) = Feed("docker-build-iperf-warm.txt");

        Assert.Empty(shown);
        Assert.Equal(11, steps.Cached);
        Assert.Equal("every step from the cache", steps.Summary);
    }
}
