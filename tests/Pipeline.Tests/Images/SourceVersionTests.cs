using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

public sealed class SourceVersionTests
{
    private const string Revision = "abc1234def5678abc1234def5678abc1234def56";

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
            Assert.Equal(new Uri(repository.FullName).AbsoluteUri, untagged.Source);

            await Git("tag", "v1.4.0");
            Assert.Equal("1.4.0", (await SourceVersion.ReadAsync(runner, repository.FullName, TestContext.Current.CancellationToken)).Version);

            await Git("remote", "add", "origin", "https://user:secret@git.example.invalid/lab/mcastlab.git");
            await File.WriteAllTextAsync(Path.Combine(repository.FullName, "a"), "2", TestContext.Current.CancellationToken);
            await Git("commit", "-qam", "two");
            var after = await SourceVersion.ReadAsync(runner, repository.FullName, TestContext.Current.CancellationToken);
            Assert.Equal($"1.4.0-1-g{after.Revision[..7]}", after.Version);
            Assert.Equal("https://git.example.invalid/lab/mcastlab.git", after.Source);

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
