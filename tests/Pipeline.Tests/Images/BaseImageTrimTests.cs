using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

public sealed class BaseImageTrimTests
{
    [Fact]
    public void Trim_removes_documentation_and_caches_inside_the_tree_and_never_follows_a_link_out_of_it()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "symbolic links and Unix paths");
        var scratch = Directory.CreateTempSubdirectory("mcastlab-trim-");
        try
        {
            var root = Path.Combine(scratch.FullName, "rootfs");
            var outside = Directory.CreateDirectory(Path.Combine(scratch.FullName, "outside")).FullName;
            File.WriteAllText(Path.Combine(outside, "keep-me"), "host file");
            void Write(string relative, string text = "x")
            {
                var path = Path.Combine(root, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, text);
            }
            Write("usr/share/doc/iperf/copyright");
            Write("usr/share/doc/iperf/changelog.Debian.gz");
            Write("usr/share/man/man1/iperf.1.gz");
            Write("usr/share/locale/de/LC_MESSAGES/apt.mo");
            Write("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease");
            Write("var/log/dpkg.log");
            Write("usr/bin/iperf");
            // Links that lead out of the tree: what they point at is the host's, not ours.
            Directory.CreateSymbolicLink(Path.Combine(root, "tmp"), outside);
            Directory.CreateSymbolicLink(Path.Combine(root, "usr/share/doc/linked"), outside);

            var settings = new ImageSettings("127.0.0.1:5000", null, null, "debian:bookworm-slim", "bookworm", "http://deb.debian.org/debian", "i", "m", "latest");
            var log = new CapturingLog();
            new BaseImageBuilder(null!, new ProcessRunner(log, new SecretMasker()), log, settings, scratch.FullName).Trim(root);

            Assert.True(File.Exists(Path.Combine(root, "usr/share/doc/iperf/copyright")));
            Assert.False(File.Exists(Path.Combine(root, "usr/share/doc/iperf/changelog.Debian.gz")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "usr/share/man")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "usr/share/locale")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "var/lib/apt/lists")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "var/log")));
            Assert.True(File.Exists(Path.Combine(root, "usr/bin/iperf")));
            Assert.True(File.Exists(Path.Combine(outside, "keep-me")));
            Assert.Contains("path-exclude /usr/share/doc/*", File.ReadAllText(Path.Combine(root, "etc/dpkg/dpkg.cfg.d/mcastlab-slim")), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(root, "etc/apt/apt.conf.d/mcastlab-clean")));
            Assert.Single(log.At("information"), line => line.StartsWith("Trimmed the root file system", StringComparison.Ordinal));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
