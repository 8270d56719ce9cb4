using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace McastLab.Pipeline.Tests.Releases;

/// <summary>The release workflows as GitHub reads them: which tags start a release, and what the boxes runner needs.</summary>
public sealed class ReleaseWorkflowTests
{
    private static YamlMappingNode Workflow(string name)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepositoryRoot.Path, ".github", "workflows", name))));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    /// <summary>
    /// GitHub's filter pattern syntax (docs: "Filter pattern cheat sheet"): '*' any characters but '/', '+' one or
    /// more of the preceding character or set, '?' zero or one of it, [..] a set; everything else literal.
    /// </summary>
    private static bool Matches(string pattern, string tag)
    {
        var regex = Regex.Replace(pattern, @"\*\*|\*|\[[^\]]*\]|[+?]|.", m => m.Value switch
        {
            "**" => ".*",
            "*" => "[^/]*",
            "+" or "?" => m.Value,
            var set when set.StartsWith('[') => set,
            var literal => Regex.Escape(literal),
        });
        return Regex.IsMatch(tag, "^" + regex + "$");
    }

    [Theory]
    [InlineData("v1.2.0", true)]
    [InlineData("v10.20.300", true)]
    [InlineData("v1.3.0-rc.1", true)] // publishes its own image tag; the Images target leaves :latest alone
    [InlineData("v1.2", false)]
    [InlineData("vnext.x.y", false)]
    [InlineData("1.2.0", false)]
    [InlineData("v1.2.0/x", false)]
    public void Release_runs_for_version_tags_only(string tag, bool runs)
    {
        var trigger = (YamlMappingNode)((YamlMappingNode)Workflow("release.yml")["on"])["push"];
        var patterns = ((YamlSequenceNode)trigger["tags"]).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();

        Assert.Equal(runs, patterns.Any(p => Matches(p, tag)));
    }

    [Fact]
    public void Release_checks_out_every_tag_so_the_latest_rule_can_compare()
    {
        var steps = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)Workflow("release.yml")["jobs"])["release"])["steps"];
        var checkout = steps.Children.OfType<YamlMappingNode>().Single(s => s.Children.TryGetValue("uses", out var uses) && ((YamlScalarNode)uses).Value!.StartsWith("actions/checkout@", StringComparison.Ordinal));

        Assert.Equal("0", ((YamlScalarNode)((YamlMappingNode)checkout["with"])["fetch-depth"]).Value);
    }

    [Fact]
    public void The_self_hosted_boxes_job_does_not_run_setup_dotnet_which_needs_root()
    {
        var jobs = (YamlMappingNode)Workflow("boxes.yml")["jobs"];
        var uses = jobs.Children.Values.OfType<YamlMappingNode>()
            .SelectMany(job => ((YamlSequenceNode)job["steps"]).Children.OfType<YamlMappingNode>())
            .Where(step => step.Children.ContainsKey("uses"))
            .Select(step => ((YamlScalarNode)step["uses"]).Value!)
            .ToList();

        Assert.Contains(uses, u => u.StartsWith("actions/checkout@", StringComparison.Ordinal));
        Assert.DoesNotContain(uses, u => u.StartsWith("actions/setup-dotnet@", StringComparison.Ordinal));
    }
}
