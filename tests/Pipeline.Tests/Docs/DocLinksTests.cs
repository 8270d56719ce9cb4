namespace McastLab.Pipeline.Tests.Docs;

/// <summary>Every relative link of the README and the docs leads somewhere: a file that exists, a heading that is there.</summary>
public sealed class DocLinksTests
{
    private static List<string> Files() =>
    [
        "README.md", "benchmarks/README.md",
        .. Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docs"), "*.md").Order(StringComparer.Ordinal)
            .Select(file => Path.GetRelativePath(RepositoryRoot.Path, file).Replace('\\', '/')),
    ];

    public static TheoryData<string> Documents() => new(Files());

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_resolves(string document)
    {
        var broken = MarkdownLinks.Broken(RepositoryRoot.Path, document).ToList();
        Assert.True(broken.Count == 0, "Broken links; fix the path or the #anchor (GitHub's: the heading in lower case, punctuation dropped, spaces as '-'):\n" + string.Join("\n", broken));
    }

    [Fact]
    public void The_docs_folder_holds_the_guides_the_README_points_at()
    {
        var files = Files();
        foreach (var guide in new[] { "docs/local-lab.md", "docs/cluster.md", "docs/vagrant-lab.md", "docs/boxes-and-publishing.md", "docs/parameters.md", "docs/mcast.md", "docs/report.md", "docs/architecture.md" })
        {
            Assert.Contains(guide, files);
            Assert.Contains($"]({guide})", File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_README_stays_a_front_door()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "README.md")).Length;
        Assert.True(lines <= 250, $"README.md has {lines} lines; it is the front door (at most 250): move the details into a guide under docs/ and link it.");
    }

    [Fact]
    public void A_missing_file_and_a_missing_heading_are_reported_with_their_line()
    {
        using var root = new TemporaryDirectory();
        root.File("docs/guide.md", "# Guide\n\n## Run the lab on your cluster\n\nText.\n");
        root.File("README.md", """
            # Front

            See [the guide](docs/guide.md#run-the-lab-on-your-cluster) and [the lab](docs/guide.md#the-lab).
            A [gone file](docs/gone.md), a [web link](https://example.org/x.md) and `[code](not-a-link.md)`.

            ```
            [inside a code block](nowhere.md)
            ```
            Up to [the front](#front).
            """);

        var broken = MarkdownLinks.Broken(root.Path, "README.md").ToList();

        Assert.Equal(
        [
            "README.md:3: docs/guide.md#the-lab names #the-lab, which is no heading of docs/guide.md (its anchors: guide, run-the-lab-on-your-cluster)",
            "README.md:4: docs/gone.md points at docs/gone.md, which does not exist",
        ], broken);
    }

    [Theory]
    [InlineData("JSON output contract (`mcast recv --format json`)", "json-output-contract-mcast-recv---format-json")]
    [InlineData("Pods as Kubernetes makes them (local backend)", "pods-as-kubernetes-makes-them-local-backend")]
    [InlineData("mcast against iperf 2.1.8", "mcast-against-iperf-218")]
    [InlineData("Results to look at: report.html, junit.xml, the CI summary", "results-to-look-at-reporthtml-junitxml-the-ci-summary")]
    public void Anchors_follow_GitHubs_rule(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownLinks.Slug(heading));

    [Fact]
    public void A_repeated_heading_gets_a_numbered_anchor() =>
        Assert.Equal(["tests", "tests-1"], MarkdownLinks.Anchors(["## Tests", "text", "## Tests"]));
}
