using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

public sealed class SourceVersionTests
{
    private const string Revision = "abc1234def5678abc1234def5678abc1234def56";

    private static readonly ContainerImage Image = new("mcastlab/iperf", "src/IperfImage/Dockerfile", new Dictionary<string, string>(), "iperf", "iperf 2", "MIT");

    [Theory]
    [InlineData("v1.2.0", "1.2.0")]
    [InlineData("v1.2.0-3-gabc1234", "1.2.0-3-gabc1234")]
    [InlineData("v1.2.0-dirty", "1.2.0-dirty")]
    [InlineData("abc1234", "0.0.0-gabc1234")]
    [InlineData("abc1234-dirty", "0.0.0-gabc1234-dirty")]
    [InlineData("release/2024+x", "release-2024-x")]
    public void Describe_output_becomes_a_valid_image_tag(string describe, string expected) =>
        Assert.Equal(expected, SourceVersion.VersionFromDescribe(describe, Revision));

    [Fact]
    public async Task Version_follows_the_tags_of_a_real_repository()
    {
        var runner = new ProcessRunner(new CapturingLog(), new SecretMasker());
        Assert.SkipWhen(runner.Locator.Find("git") is null, "git is not installed");
        var repository = Directory.CreateTempSubdirectory("mcastlab-version-");
        try
        {
            async Task Git(params string[] arguments) =>
                await runner.RunAsync("git", ["-C", repository.FullName, "-c", "user.name=t", "-c", "user.email=t@example.invalid", .. arguments], new ProcessOptions { Quiet = true });
            await Git("init", "-q");
            await File.WriteAllTextAsync(Path.Combine(repository.FullName, "a"), "1", TestContext.Current.CancellationToken);
            await Git("add", "a");
            await Git("commit", "-qm", "one");

            var untagged = await SourceVersion.ReadAsync(runner, repository.FullName, TestContext.Current.CancellationToken);
            Assert.Equal("0.0.0-g" + untagged.Revision[..7], untagged.Version);
            Assert.Null(untagged.Source); // no remote: no source label, rather than this machine's path

            await Git("tag", "v1.4.0");
            Assert.Equal("1.4.0", (await SourceVersion.ReadAsync(runner, repository.FullName, TestContext.Current.CancellationToken)).Version);

            await Git("remote", "add", "origin", "https://user:secret@git.example.invalid/lab/mcastlab.git");
            await File.WriteAllTextAsync(Path.Combine(repository.FullName, "a"), "2", TestContext.Current.CancellationToken);
            await Git("commit", "-qam", "two");
            var after = await SourceVersion.ReadAsync(runner, repository.FullName, TestContext.Current.CancellationToken);
            Assert.Equal($"1.4.0-1-g{after.Revision[..7]}", after.Version);
            Assert.Equal("https://git.example.invalid/lab/mcastlab", after.Source);

            await File.WriteAllTextAsync(Path.Combine(repository.FullName, "a"), "3", TestContext.Current.CancellationToken);
            var dirty = await SourceVersion.ReadAsync(runner, repository.FullName, TestContext.Current.CancellationToken);
            Assert.EndsWith("-dirty", dirty.Version, StringComparison.Ordinal);
            // "created" is the commit's time: an unchanged checkout builds identical labels.
            Assert.Equal(after.Created, dirty.Created);
        }
        finally
        {
            repository.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("git@github.com:octo-org/mcastlab.git", "https://github.com/octo-org/mcastlab")]
    [InlineData("ssh://git@github.com/octo-org/mcastlab.git", "https://github.com/octo-org/mcastlab")]
    [InlineData("ssh://git@ghe.example.com:2222/octo-org/mcastlab.git", "https://ghe.example.com/octo-org/mcastlab")]
    [InlineData("https://x-access-token:ghs_secret@github.com/octo-org/mcastlab.git", "https://github.com/octo-org/mcastlab")]
    [InlineData("https://github.com/octo-org/mcastlab", "https://github.com/octo-org/mcastlab")]
    [InlineData("git://github.com/octo-org/mcastlab.git", "https://github.com/octo-org/mcastlab")]
    [InlineData("http://git.example.net/lab/mcastlab.git", "http://git.example.net/lab/mcastlab")]
    [InlineData("https://git.example.net:8443/lab/mcastlab.git/", "https://git.example.net:8443/lab/mcastlab")]
    [InlineData("git@gitlab.example.com:group/sub/mcastlab.git", "https://gitlab.example.com/group/sub/mcastlab")]
    public void The_source_label_is_the_repositorys_web_URL_as_ghcr_io_links_packages_by_it(string remote, string expected) =>
        Assert.Equal(expected, SourceVersion.SourceUrl(remote));

    [Theory]
    [InlineData("/srv/git/mcastlab.git")] // a clone of a folder
    [InlineData("../mcastlab")]
    [InlineData("file:///srv/git/mcastlab.git")]
    [InlineData("C:\\src\\mcastlab")]
    [InlineData("")]
    public void A_remote_that_is_not_a_web_URL_leaves_the_source_label_out(string remote)
    {
        Assert.Null(SourceVersion.SourceUrl(remote));
        var labels = ImageBuilder.Labels(Image, new SourceVersion("1.2.0", Revision, DateTimeOffset.UnixEpoch, SourceVersion.SourceUrl(remote)));
        Assert.DoesNotContain("org.opencontainers.image.source", labels.Keys);
        Assert.Equal("1.2.0", labels["org.opencontainers.image.version"]);
    }

    [Fact]
    public void A_web_remote_is_the_source_label_without_its_credentials()
    {
        var labels = ImageBuilder.Labels(Image, new SourceVersion("1.2.0", Revision, DateTimeOffset.UnixEpoch, SourceVersion.SourceUrl("https://x-access-token:ghs_secret@github.com/octo-org/mcastlab.git")));
        Assert.Equal("https://github.com/octo-org/mcastlab", labels["org.opencontainers.image.source"]);
        Assert.DoesNotContain(labels.Values, v => v.Contains("ghs_secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("v1.2.0", new[] { "v1.0.0", "v1.1.5", "v1.2.0" }, true)]
    [InlineData("v1.10.0", new[] { "v1.9.0", "v1.10.0", "v2.0.0-rc.1" }, true)] // numeric order; a pre-release is not higher
    [InlineData("v1.1.6", new[] { "v1.1.6", "v1.2.0" }, false)] // a patch on an older line
    [InlineData("v1.3.0-rc.1", new[] { "v1.2.0", "v1.3.0-rc.1" }, false)] // a pre-release publishes its own tag only
    [InlineData("v1.2.0-3-gabc1234", new[] { "v1.2.0" }, false)] // a build after the tag
    [InlineData("v1.2.0-dirty", new[] { "v1.2.0" }, false)]
    [InlineData("abc1234", new string[0], false)]
    public void Only_the_highest_plain_release_moves_latest(string describe, string[] tags, bool latest)
    {
        Assert.Equal(latest, SourceVersion.IsLatest(describe, tags));
        var version = new SourceVersion(SourceVersion.VersionFromDescribe(describe, Revision), Revision, DateTimeOffset.UnixEpoch, "") { Latest = SourceVersion.IsLatest(describe, tags) };
        Assert.Equal(latest ? [version.Version, "latest"] : [version.Version], ImageBuilder.Tags(version));
    }

    [Fact]
    public async Task Latest_follows_the_tags_of_a_real_repository()
    {
        var runner = new ProcessRunner(new CapturingLog(), new SecretMasker());
        Assert.SkipWhen(runner.Locator.Find("git") is null, "git is not installed");
        var repository = Directory.CreateTempSubdirectory("mcastlab-latest-");
        var cancel = TestContext.Current.CancellationToken;
        try
        {
            async Task Git(params string[] arguments) =>
                await runner.RunAsync("git", ["-C", repository.FullName, "-c", "user.name=t", "-c", "user.email=t@example.invalid", .. arguments], new ProcessOptions { Quiet = true });
            async Task<SourceVersion> Commit(string text)
            {
                await File.WriteAllTextAsync(Path.Combine(repository.FullName, "a"), text, cancel);
                await Git("add", "a");
                await Git("commit", "-qm", text);
                return await SourceVersion.ReadAsync(runner, repository.FullName, cancel);
            }
            await Git("init", "-q");

            await Commit("1.1.0");
            await Git("tag", "v1.1.0");
            Assert.True((await SourceVersion.ReadAsync(runner, repository.FullName, cancel)).Latest);
            await Git("checkout", "-q", "-b", "old-line", "v1.1.0");
            await Git("tag", "v1.2.0"); // a newer release exists on the same commit's history line
            await Commit("1.1.1");
            await Git("tag", "v1.1.1");
            Assert.False((await SourceVersion.ReadAsync(runner, repository.FullName, cancel)).Latest);
            await Commit("rc");
            await Git("tag", "v1.3.0-rc.1");
            var rc = await SourceVersion.ReadAsync(runner, repository.FullName, cancel);
            Assert.Equal(("1.3.0-rc.1", false), (rc.Version, rc.Latest));
            await Commit("1.3.0");
            await Git("tag", "v1.3.0");
            Assert.True((await SourceVersion.ReadAsync(runner, repository.FullName, cancel)).Latest);
            await File.WriteAllTextAsync(Path.Combine(repository.FullName, "a"), "changed", cancel);
            Assert.False((await SourceVersion.ReadAsync(runner, repository.FullName, cancel)).Latest); // -dirty
        }
        finally
        {
            repository.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Outside_a_git_checkout_the_version_error_says_what_to_do()
    {
        var runner = new ProcessRunner(new CapturingLog(), new SecretMasker());
        var directory = Directory.CreateTempSubdirectory("mcastlab-nogit-");
        try
        {
            var error = await Assert.ThrowsAsync<PipelineException>(() => SourceVersion.ReadAsync(runner, directory.FullName, TestContext.Current.CancellationToken));
            Assert.Contains("build from a clone", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
