using McastLab.Pipeline.Core;
using McastLab.Pipeline.Graph;

namespace McastLab.Pipeline.Tests.Graph;

public sealed class TargetGraphTests
{
    private static readonly TargetGraph Graph = new([
        new("Default", "Lists.", []),
        new("Restore", "Restores.", []),
        new("Compile", "Builds.", ["Restore"]),
        new("Prerequisites", "Checks.", []),
        new("Test", "Tests.", ["Prerequisites", "Compile"]),
    ]);

    [Fact]
    public void The_closure_lists_dependencies_first_once() =>
        Assert.Equal(["Prerequisites", "Restore", "Compile", "Test"], Graph.Closure("Test"));

    [Fact]
    public void Names_are_matched_without_case() => Assert.Equal("Compile", Graph.Find("compile")!.Name);

    [Fact]
    public void An_unknown_target_is_refused_with_the_list_of_targets()
    {
        var error = Assert.Throws<PipelineException>(() => Graph.Require("Nope", "Target"));
        Assert.Equal("Target 'Nope' was not found; choose one of: Default, Restore, Compile, Prerequisites, Test.", error.Message);
    }

    [Fact]
    public void The_overview_shows_targets_dependencies_and_parameters_with_their_source()
    {
        var lines = Graph.Overview([("port", "5001", "mcastlab.json", "UDP port.")]).ToList();
        Assert.Contains("  Test           Tests.  (after Prerequisites, Compile)", lines);
        Assert.Contains(lines, l => l.StartsWith("  --port", StringComparison.Ordinal) && l.EndsWith("5001  UDP port. [mcastlab.json]", StringComparison.Ordinal));
    }
}
