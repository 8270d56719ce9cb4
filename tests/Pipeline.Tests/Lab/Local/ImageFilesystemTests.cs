using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab.Local;

namespace McastLab.Pipeline.Tests.Lab.Local;

/// <summary>How a program is run from an image's config, as the engine would: user, home, path and the entrypoint's file.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImageFilesystemTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("mcastlab-rootfs-");

    public ImageFilesystemTests()
    {
        Directory.CreateDirectory(Path.Combine(root.FullName, "etc"));
        File.WriteAllLines(Path.Combine(root.FullName, "etc", "passwd"), ["root:x:0:0:root:/root:/bin/bash", "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"]);
        File.WriteAllLines(Path.Combine(root.FullName, "etc", "group"), ["root:x:0:", "nogroup:x:65534:"]);
        Directory.CreateDirectory(Path.Combine(root.FullName, "usr", "bin"));
        File.WriteAllText(Path.Combine(root.FullName, "usr", "bin", "iperf"), "");
        File.SetUnixFileMode(Path.Combine(root.FullName, "usr", "bin", "iperf"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(root.FullName, "usr", "bin", "notes"), "");
        // Debian's merged /usr: /bin is a link to usr/bin.
        File.CreateSymbolicLink(Path.Combine(root.FullName, "bin"), "usr/bin");
    }

    public void Dispose() => root.Delete(recursive: true);

    private ImageFilesystem From(string? user, string[]? env = null, string[]? entrypoint = null) =>
        ImageFilesystem.From("test-image", "sha256:0123", root.FullName, new DockerOCIImageConfig { User = user, Env = env, Entrypoint = entrypoint }, false);

    [Theory]
    [InlineData("65534:65534", 65534, 65534, "/nonexistent")]
    [InlineData("nobody", 65534, 65534, "/nonexistent")]
    [InlineData("nobody:root", 65534, 0, "/nonexistent")]
    [InlineData("", 0, 0, "/root")]
    [InlineData(null, 0, 0, "/root")]
    [InlineData("1000", 1000, 0, "/")]
    public void The_user_is_resolved_as_the_engine_does(string? user, int uid, int gid, string home)
    {
        var image = From(user);

        Assert.Equal((uid, gid, home), (image.Uid, image.Gid, image.Environment["HOME"]));
    }

    [Fact]
    public void A_user_the_image_does_not_name_is_one_sentence()
    {
        var e = Assert.Throws<PipelineException>(() => From("ghost"));

        Assert.Equal("The image test-image runs as user 'ghost', which its /etc/passwd does not name; give it a numeric USER (uid:gid) and rebuild it.", e.Message);
    }

    [Fact]
    public void The_images_environment_is_kept_and_the_arguments_follow_the_entrypoint()
    {
        var image = From("nobody", ["PATH=/usr/bin", "HOME=/home/feed", "A=b=c"], ["iperf"]);

        Assert.Equal(("/usr/bin", "/home/feed", "b=c"), (image.Environment["PATH"], image.Environment["HOME"], image.Environment["A"]));
        Assert.Equal(["iperf", "-s", "-u"], image.CommandLine(["-s", "-u"]));
    }

    [Theory]
    [InlineData("iperf", "/bin/iperf")]
    [InlineData("/bin/iperf", "/bin/iperf")]
    [InlineData("/usr/bin/../bin/iperf", "/usr/bin/../bin/iperf")]
    [InlineData("notes", null)]
    [InlineData("mcast", null)]
    [InlineData("/usr/local/bin/mcast", null)]
    public void The_program_is_found_in_the_image_through_its_links_and_must_be_executable(string program, string? found) =>
        Assert.Equal(found, From("nobody", ["PATH=/usr/local/bin:/bin:/usr/bin"]).ProgramPath(program));
}
