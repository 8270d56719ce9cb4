using System.Formats.Tar;
using Docker.DotNet.Models;
using McastLab.Pipeline.Images;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>The small parts of the image steps that need no engine.</summary>
public sealed class ImagePartsTests
{
    [Theory]
    [InlineData("debian:bookworm-slim", "debian", "bookworm-slim")]
    [InlineData("127.0.0.1:5000/mcastlab/iperf:0.1.0", "127.0.0.1:5000/mcastlab/iperf", "0.1.0")]
    [InlineData("127.0.0.1:5000/mcastlab/iperf", "127.0.0.1:5000/mcastlab/iperf", "latest")]
    public void Image_names_split_at_the_tag_not_at_the_port(string reference, string repository, string tag) =>
        Assert.Equal(new ImageName(repository, tag), ImageName.Parse(reference));

    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.5.6.7:5000", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("ghcr.io", false)]
    [InlineData("10.0.0.11:5000", false)]
    public void Loopback_registries_are_recognised(string registry, bool loopback) =>
        Assert.Equal(loopback, RegistryApi.IsLoopback(registry));

    [Fact]
    public void Bearer_challenges_are_parsed_into_their_fields()
    {
        var fields = RegistryApi.ChallengeFields("realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:lab/iperf:pull,push\"");
        Assert.Equal("https://ghcr.io/token", fields["realm"]);
        Assert.Equal("ghcr.io", fields["service"]);
        Assert.Equal("repository:lab/iperf:pull,push", fields["scope"]);
    }

    [Theory]
    [InlineData("Get \"http://127.0.0.1:5999/v2/\": dial tcp 127.0.0.1:5999: connect: connection refused", true)]
    [InlineData("received unexpected HTTP status: 503 Service Unavailable", true)]
    [InlineData("unauthorized: authentication required", false)]
    [InlineData("denied: requested access to the resource is denied", false)]
    [InlineData("An image does not exist locally with the tag: 127.0.0.1:5000/x", false)]
    public void Only_failures_a_retry_can_fix_are_transient(string message, bool transient) =>
        Assert.Equal(transient, ImagePusher.IsTransient(message));

    [Fact]
    public void Engine_messages_keep_the_first_error_and_keep_progress_bars_out_of_the_normal_log()
    {
        var log = new CapturingLog();
        var messages = new EngineMessages(log);
        messages.Report(new JSONMessage { Stream = "Step 1/2 : FROM debian\n ---> 8e60174571f8\n" });
        messages.Report(new JSONMessage { Status = "Pushing", ID = "abc", Progress = new JSONProgress { Current = 10, Total = 100 } });
        messages.Report(new JSONMessage { Error = new JSONError { Message = "The command '/bin/sh -c exit 7' returned a non-zero code: 7" } });
        messages.Report(new JSONMessage { Error = new JSONError { Message = "a later error" } });

        Assert.Equal("The command '/bin/sh -c exit 7' returned a non-zero code: 7", messages.Error);
        Assert.Equal(["Step 1/2 : FROM debian", "---> 8e60174571f8"], log.At("information"));
        Assert.Equal(["abc: Pushing 10/100"], log.At("verbose"));
        Assert.Equal(2, log.At("error").Count());
    }

    [Fact]
    public async Task Build_context_holds_the_Dockerfile_and_only_the_named_files()
    {
        var directory = Directory.CreateTempSubdirectory("mcastlab-context-");
        try
        {
            var dockerfile = Path.Combine(directory.FullName, "Dockerfile.mcast");
            var binary = Path.Combine(directory.FullName, "mcast");
            await File.WriteAllTextAsync(dockerfile, "FROM scratch\n", TestContext.Current.CancellationToken);
            await File.WriteAllBytesAsync(binary, [1, 2, 3], TestContext.Current.CancellationToken);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "stray"), "not sent", TestContext.Current.CancellationToken);

            await using var context = await BuildContext.CreateAsync(dockerfile, new Dictionary<string, string> { ["mcast"] = binary }, TestContext.Current.CancellationToken);
            await using var reader = new TarReader(context);
            var entries = new List<TarEntry>();
            while (await reader.GetNextEntryAsync(copyData: false, TestContext.Current.CancellationToken) is { } entry) entries.Add(entry);

            Assert.Equal(["Dockerfile", "mcast"], entries.Select(e => e.Name));
            Assert.Equal(0, entries[1].Uid);
            Assert.True(entries[1].Mode.HasFlag(UnixFileMode.OtherExecute));
            Assert.False(entries[0].Mode.HasFlag(UnixFileMode.OtherExecute));
            Assert.False(entries[1].Mode.HasFlag(UnixFileMode.OtherWrite));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
